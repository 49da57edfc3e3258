//! The screens of the app core, each owning its state and focus, kept on a
//! stack by the [`App`](super::App). A screen handles the keys that reach
//! it (`on_action`), says what has its focus (`describe`, for the spoken
//! UI), and asks for what only the stack can do by returning a [`Nav`].

pub mod home;
pub mod locked;
pub mod player;
pub mod series;
pub mod settings;
pub mod welcome;

use super::overlays::pin::PinPurpose;

pub use home::Home;
pub use locked::Locked;
pub use player::Player;
pub use series::SeriesPage;
pub use settings::SettingsScreen;
pub use welcome::Welcome;

/// What a screen asks of the stack after an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Nav {
    /// Nothing changes on the stack.
    Stay,
    /// This screen goes (what is under it comes back).
    Back,
    /// A series' page (the PIN first when it is above the parental
    /// limit), and its resume episode started if `play`.
    OpenSeries { id: String, play: bool },
    /// An episode starts: in the player, or on the Locked screen.
    Play { series: String, episode: u32 },
    /// The unlock API refused the episode's grant, or a rewarded ad did
    /// not earn it: the Locked screen, saying why.
    Refused {
        series: String,
        episode: u32,
        message: locked::LockedMessage,
    },
    /// A rewarded ad to unlock the episode, over the Locked screen.
    WatchAd { series: String, episode: u32 },
    /// "Leave pillarbox?"
    AskLeave,
    /// "Reset this box?"
    AskReset,
    /// No catalog could be shown: load it again now.
    ReloadCatalog,
    /// Settings over this screen.
    OpenSettings,
    /// The PIN dialog.
    AskPin(PinPurpose),
    /// Drama channel `0` (an index into the catalog's channels), joined now.
    Tune(usize),
    /// The channel `step` away from the one on screen (0: the same again).
    ChannelStep(i32),
    /// The episode on the channel ended: what it airs next.
    ChannelNext,
    /// "Watch this series from episode 1" or "Continue here".
    AskChannel,
}

/// One entry of the screen stack, with its state.
#[derive(Debug, Clone, PartialEq)]
pub enum ScreenState {
    /// Always at the bottom of the stack.
    Home(Home),
    Series(SeriesPage),
    Player(Box<Player>),
    Locked(Locked),
    Settings(SettingsScreen),
    /// The first-run screen (over Home).
    Welcome(Welcome),
}

/// Which screen is on show, without its state: what the view, QA and
/// tests ask about.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Home,
    Series(String),
    Player,
    /// An episode that needs unlocking: series id and episode number.
    Locked(String, u32),
    /// The Settings screen (or the first-run one), over whatever was on
    /// screen.
    Settings,
}

impl ScreenState {
    pub fn kind(&self) -> Screen {
        match self {
            ScreenState::Home(_) => Screen::Home,
            ScreenState::Series(s) => Screen::Series(s.id.clone()),
            ScreenState::Player(_) => Screen::Player,
            ScreenState::Locked(l) => Screen::Locked(l.series.clone(), l.number),
            ScreenState::Settings(_) | ScreenState::Welcome(_) => Screen::Settings,
        }
    }
}
