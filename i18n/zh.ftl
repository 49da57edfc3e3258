# pillarbox 界面文字，简体中文（与 en.ftl 的 id 一一对应）。

## Home
continue-watching = 继续观看
settings = 设置
loading-programmes = 正在加载节目…
notice-stale = 正在显示这台电视上保存的节目：无法加载最新节目。
notice-expired = 这些节目应于 { $date } 更新，可能已过时。
catalog-failed = 现在无法显示节目
catalog-failed-hint = 请检查电视的网络连接。电视会自动重试；选择“重试”立即重试。
leave-app = 退出{ $name }？
stay = 留下
exit = 退出

## Series
episodes = 剧集
episode-count = 共 { $count } 集
free-count = { $count } 集免费
all-free = 全部免费
licence = 许可证：{ $licence }
play-episode = ▶  播放第 { $number } 集
continue-episode = ▶  继续第 { $number } 集
genre-romance = 爱情
genre-drama = 剧情
genre-revenge = 复仇
genre-ceo = 总裁
genre-fantasy = 奇幻
genre-family = 家庭
genre-comedy = 喜剧
genre-thriller = 惊悚

## Locked
locked-title = 第 { $number } 集已锁定
locked-free = { $free ->
    [0] 《{ $title }》没有免费的剧集。
    [1] 《{ $title }》第 1 集免费观看。
   *[other] 《{ $title }》第 1–{ $free } 集免费观看。
}
locked-price = { $count ->
    [1] 第 { $first } 集需 { $price } 解锁。
   *[other] 第 { $first }–{ $last } 集每集需 { $price } 解锁。
}
# A price in coins, after "for" (locked-price).
price-coins = { $price } 金币
locked-not-free = { $count ->
    [1] 第 { $first } 集不免费。
   *[other] 第 { $first }–{ $last } 集不免费。
}
locked-unavailable = 暂不支持在电视上解锁。按确定或返回键返回。
locked-coins = 用 { $price } 金币解锁第 { $number } 集
locked-balance = 你的余额：{ $coins } 金币
locked-phone = 用手机解锁
locked-code-hint = 用手机相机扫码，或打开 { $uri } 并输入此代码：
locked-confirm = 用你 { $coins } 金币中的 { $price } 金币解锁第 { $number } 集？
locked-unlock = 解锁
locked-cancel = 取消
locked-waiting = 请稍候…
locked-signed-in = 这台电视已登录。请选择解锁方式。
locked-not-enough = 金币不足：你有 { $balance }，需要 { $price }。请在手机上充值。
locked-expired = 代码已过期。按确定获取新代码。
locked-denied = 手机上拒绝了此请求。
locked-signed-out = 这台电视已退出登录。请用手机解锁以重新登录。
locked-not-paired = 请先在手机上登录。
locked-network = 无法连接 { $provider }。没有扣费：请稍后再试。
locked-server = { $provider } 无法完成此操作。没有扣费：请稍后再试。
locked-not-entitled = 这台电视登录的账户尚未解锁本集。
locked-episode-gone = { $provider } 目前不提供这一集。
locked-site = 该页面位于 { $host }：登录前请核对网址。
locked-how = 按确定选择，按返回键返回。解锁后剧集会自动播放。
back = 返回

## Player
episode-short = 第 { $number } 集
episode-of = 第 { $number } / { $total } 集
# Above the episode beside an ad break: the episode after it.
episode-next = 下一集
up-next = 接下来
loading = 加载中…
paused = 已暂停
previous = 上一集
play = ▶ 播放
pause = 暂停
next = 下一集
next-in = { $seconds } 秒后播放下一集
ad-in = { $seconds } 秒后播放广告
ad-label = 广告 · { $time }
ad-position = 第 { $index } 个，共 { $count } 个
ad-skip = 跳过广告
ad-skip-in = { $seconds } 秒后可跳过
spoken-ad = 广告，第 { $index } 个，共 { $count } 个，还剩 { $seconds } 秒
locked-ad = 看广告解锁{ $count ->
   *[other] { $count } 集
}（今天还剩 { $left } 次）
reward-hint = 看完即可解锁第 { $number } 集
reward-leave = 不解锁就离开吗？
reward-keep = 继续观看
reward-leave-now = 离开
reward-unlocking = 正在解锁…
reward-no-ad = 现在没有可播放的广告。没有扣费：请稍后再试，或用其他方式解锁。
cannot-play = 此集无法播放
cannot-play-live = 此频道无法播放
no-stream = 第 { $number } 集没有本播放器可以播放的视频流。
retry = 重试
next-episode = 下一集
details = 详细信息
error-network = 现在无法播放这一集。请检查网络连接后重试。
connection-lost = 网络连接已断开：正在重试
broadcast-stalled = 直播暂时中断：正在继续尝试
error-stream = 这台电视无法播放这一集。
error-live-network = 现在无法播放这个频道。请检查网络连接后重试。
error-live-stream = 这台电视无法播放这个频道。
subtitles-unavailable = 字幕（{ $language }）不可用：{ $why }

## Settings
settings-hint = ▲ ▼ 选择 · ◀ ▶ 更改 · 返回键退出
setting-language = 语言
setting-subtitles = 字幕
setting-subtitle-language = 字幕语言
setting-audio-language = 音频语言
setting-caption-size = 字幕大小
setting-text-colour = 文字颜色
setting-text-opacity = 文字不透明度
setting-background-colour = 背景颜色
setting-background-opacity = 背景不透明度
setting-edge = 文字边缘
setting-font = 字幕字体
automatic = 自动（{ $language }）
subtitles-auto = 需要时
subtitles-on = 开
subtitles-off = 关
colour-white = 白色
colour-yellow = 黄色
colour-green = 绿色
colour-cyan = 青色
colour-blue = 蓝色
colour-magenta = 品红
colour-red = 红色
colour-black = 黑色
edge-none = 无
edge-raised = 凸起
edge-depressed = 凹陷
edge-uniform = 描边
edge-drop-shadow = 阴影
font-sans = 无衬线
font-serif = 衬线
font-mono = 等宽
preview-sample = 字幕看起来是这样的。
preview-sample-2 = 按 ◀ ▶ 更改。

## Parental control
setting-parental = 家长 PIN 码
setting-max-rating = 最高分级（{ $system }）
parental-on = 开
parental-off = 关
no-limit = 不限
pin-choose = 设置 4 位 PIN 码
pin-confirm = 再次输入相同的 PIN 码
pin-enter = 输入家长 PIN 码
pin-hint = 数字键，或用 ▲ ▼ 选择数字再按确定 · ◀ 删除 · 返回键取消
pin-wrong = PIN 码错误。还可再试 { $left } 次，之后需等待一分钟。
pin-mismatch = 两次输入的 PIN 码不一致，请重新设置。
pin-wait = PIN 码错误次数过多。请在 { $seconds } 秒后重试。

## Colour keys, time
toast-subtitles-on = 字幕已开
toast-subtitles-off = 字幕已关
toast-audio = 音频：{ $language }
toast-audio-only = 本集只有一种音频语言：{ $language }
hint-subtitles = 字幕
hint-audio = 音频
hint-digits = 0–9：跳到某一集
running-time = 共 { $minutes } 分钟
time-left = 剩余 { $minutes } 分钟

## Spoken UI
setting-spoken = 语音朗读
setting-speech-rate = 朗读语速
setting-speech-volume = 朗读音量
toast-spoken-on = 语音朗读已开
toast-spoken-off = 语音朗读已关
hint-spoken = 朗读
spoken-episode = 第 { $number } 集
spoken-locked = 已锁定
spoken-watched = 已看完
spoken-digits = 已输入 { $count } 位

## Text size, contrast, first run
setting-text-size = 文字大小
setting-high-contrast = 高对比度
welcome = 欢迎
welcome-hint = ▲ ▼ 选择 · ◀ ▶ 更改 · 准备好后在"开始观看"上按确定
welcome-done = 开始观看
setting-still-watching = 询问“还在看吗？”
setting-previews = 在首页播放预告
setting-data-use = 流量使用
data-best = 最佳画质
data-save = 节省流量
data-least = 最少流量
setting-data-used = 本月已用流量
data-mb = { $amount } MB
data-gb = { $amount } GB
previews-off-saving = 节省流量时关闭
setting-keep-ahead = 预先准备的剧集
keep-off = 关闭
keep-per-series = 每部剧 { $count } 集
setting-keep-when = 下载时间
keep-when-idle = 电视空闲时
keep-at-night = 夜间（{ $from }:00 至 { $to }:00）
setting-keep-space = 剧集存储空间
keep-space-auto = 自动（最多 2 GB）
setting-kept = 已存在本机
kept-amount = { $count } 集，{ $amount }
episode-kept = 已存在本机
setting-share-viewing = 与{ $name }分享观看数据
setting-share-viewing-any = 分享观看数据
never = 从不
after-minutes = { $minutes } 分钟无按键后
still-watching = 你还在看吗？
still-watching-continue = 继续观看
still-watching-stop = 停止
sleep-off = 睡眠定时
sleep-in = { $minutes } 分钟后停止
toast-sleep = 睡眠定时：{ $minutes } 分钟
toast-sleep-off = 睡眠定时已关闭
toast-sleep-done = 睡眠定时已停止播放
setting-account = 这台电视的账户
account-signed-in = 已登录。按 OK 退出登录。
account-confirm = 再按一次 OK 让这台电视退出登录
account-none = 未登录
toast-signed-out = 这台电视已退出登录
setting-reset = 重置这台设备
reset-value = 按 OK 清除所有内容
reset-question = 重置这台设备？
reset-body = 这台设备保存的关于您的一切都会被清除：观看记录、设置、家长 PIN、登录和通过广告解锁的内容。设备将像新的一样重新开始。
reset-cancel = 取消
reset-go = 重置
toast-reset = 这台设备已重置

## Drama channels
channels-row = 频道
channel-episode = { $series } 第 { $number } 集
channel-now = 正在播出：{ $what }
channel-next = 下一集：{ $what }
live = 直播
channel-card = 请到剧集页面继续观看这个故事
channel-question = 从第 1 集开始看这部剧，还是在这里接着看？
channel-continue = 在这里接着看
channel-from-start = 从第 1 集开始看
setting-tv-mode = 以电视模式启动
