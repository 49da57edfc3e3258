//! The box's default route, from `/proc/net/route`: the interface its
//! traffic leaves by, and the gateway it goes to. What kind of network the
//! box is on (partner insight) and which network it is (where episodes
//! start) both come from here.

use std::net::Ipv4Addr;

/// The route the box's traffic takes by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRoute {
    /// A kernel interface name: at most 16 visible ASCII characters, no
    /// `/`, not starting with `.` (it names a folder under /sys/class/net).
    pub iface: String,
    pub gateway: Option<Ipv4Addr>,
}

/// The default route now; None without one (or without /proc).
pub fn default_route() -> Option<DefaultRoute> {
    let table =
        crate::store::read_bounded(std::path::Path::new("/proc/net/route"), 64 << 10).ok()?;
    parse(&String::from_utf8_lossy(&table))
}

/// The default route of a `/proc/net/route` table.
fn parse(table: &str) -> Option<DefaultRoute> {
    table.lines().skip(1).find_map(|line| {
        let mut f = line.split_whitespace();
        let (iface, dest) = (f.next()?, f.next()?);
        let named = iface.len() <= 16
            && iface.chars().all(|c| c.is_ascii_graphic())
            && !iface.contains('/')
            && !iface.starts_with('.');
        if dest != "00000000" || !named {
            return None;
        }
        // Little-endian hex, as the kernel writes it.
        let gateway = f
            .next()
            .and_then(|g| u32::from_str_radix(g, 16).ok())
            .map(|g| Ipv4Addr::from(g.to_le_bytes()));
        Some(DefaultRoute {
            iface: iface.to_owned(),
            gateway,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_route_names_interface_and_gateway() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n\
                     wlan0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n\
                     wlan0\t00000000\t012BA8C0\t0003\t0\t0\t600\t00000000\n";
        let route = parse(table).unwrap();
        assert_eq!(route.iface, "wlan0");
        assert_eq!(route.gateway, Some(Ipv4Addr::new(192, 168, 43, 1)));
        assert_eq!(parse("Iface\tDestination\n"), None);
        assert_eq!(parse(""), None);
        // A gateway that is not hex: the interface still says the kind.
        let odd = parse("Iface\nx 00000000 nothex\n").unwrap();
        assert_eq!((odd.iface.as_str(), odd.gateway), ("x", None));
        // Names that would leave /sys/class/net are not interfaces.
        for bad in ["../x", ".hidden", "a/b", "seventeen-chars-x"] {
            assert_eq!(
                parse(&format!("Iface\n{bad} 00000000 00000000\n")),
                None,
                "{bad}"
            );
        }
    }
}
