# pillarbox UI strings, English (the reference: every other file has the same ids).
# Fluent syntax: https://projectfluent.org/fluent/guide/

## Home
continue-watching = Continue watching
settings = Settings
loading-programmes = Loading programmes…
notice-stale = Showing the programmes saved on this TV: the latest could not be loaded.
notice-expired = These programmes were due to be renewed on { $date } and may be out of date.
catalog-failed = Programmes can't be shown right now
catalog-failed-hint = Check the TV's connection. It tries again by itself; Retry tries now.
leave-app = Leave { $name }?
stay = Stay
exit = Exit

## Series
episodes = Episodes
episode-count = { $count ->
    [one] 1 episode
   *[other] { $count } episodes
}
free-count = { $count } free
all-free = all free
licence = Licence: { $licence }
play-episode = ▶  Play EP { $number }
continue-episode = ▶  Continue EP { $number }
genre-romance = Romance
genre-drama = Drama
genre-revenge = Revenge
genre-ceo = CEO
genre-fantasy = Fantasy
genre-family = Family
genre-comedy = Comedy
genre-thriller = Thriller

## Locked
locked-title = Episode { $number } is locked
locked-free = { $free ->
    [0] No episode of { $title } is free.
    [1] Episode 1 of { $title } is free to watch.
   *[other] Episodes 1–{ $free } of { $title } are free to watch.
}
locked-price = { $count ->
    [1] Episode { $first } unlocks for { $price }.
   *[other] Episodes { $first }–{ $last } unlock for { $price } each.
}
# A price in coins, after "for" (locked-price).
price-coins = { $price ->
    [1] { $price } coin
   *[other] { $price } coins
}
locked-not-free = { $count ->
    [1] Episode { $first } is not free.
   *[other] Episodes { $first }–{ $last } are not free.
}
locked-unavailable = Unlocking on this TV is not available yet. Press OK or Back to return.
locked-coins = Unlock episode { $number } for { $price } coins
locked-balance = Your balance: { $coins } coins
locked-phone = Unlock on your phone
locked-code-hint = Scan with your phone's camera, or open { $uri } and type this code:
locked-confirm = Spend { $price } of your { $coins } coins on episode { $number }?
locked-unlock = Unlock
locked-cancel = Cancel
locked-waiting = One moment…
locked-signed-in = This TV is signed in. Choose how to unlock.
locked-not-enough = Not enough coins: you have { $balance }, this costs { $price }. Add coins on your phone.
locked-expired = The code has expired. Press OK for a new one.
locked-denied = The request was refused on the phone.
locked-signed-out = This TV was signed out. Unlock on your phone to sign in again.
locked-not-paired = Sign in on your phone first.
locked-network = No connection to { $provider }. Nothing was spent: try again in a moment.
locked-server = { $provider } could not finish this. Nothing was spent: try again later.
locked-not-entitled = This episode is not unlocked for the account this TV is signed in to.
locked-episode-gone = { $provider } does not offer this episode now.
locked-site = The page is on { $host }: check the address before you sign in.
locked-how = Press OK to choose, Back to return. The episode starts by itself once it is unlocked.
back = Back

## Player
episode-short = EP { $number }
episode-of = EP { $number } / { $total }
# Above the episode beside an ad break: the episode after it.
episode-next = Next
up-next = Up next
loading = Loading…
paused = Paused
previous = Previous
play = ▶ Play
pause = Pause
next = Next
next-in = Next in { $seconds } s
ad-in = Ad in { $seconds } s
ad-label = Ad · { $time }
ad-position = { $index } of { $count }
ad-skip = Skip ad
ad-skip-in = Skip in { $seconds }
spoken-ad = Ad { $index } of { $count }, { $seconds } seconds left
locked-ad = { $count ->
    [one] Unlock with an ad
   *[other] Unlock { $count } episodes with an ad
} ({ $left } left today)
reward-hint = Episode { $number } unlocks at the end
reward-leave = Leave without unlocking?
reward-keep = Keep watching
reward-leave-now = Leave
reward-unlocking = Unlocking…
reward-no-ad = No ad is available right now. Nothing was spent: try again later, or unlock another way.
cannot-play = This episode cannot play
cannot-play-live = This channel cannot play
no-stream = Episode { $number } has no stream this player can play.
retry = Retry
next-episode = Next episode
details = Details
error-network = This episode can't be played right now. Check the connection and try again.
connection-lost = Connection lost: trying again
broadcast-stalled = The broadcast has stopped for now: still trying
error-stream = This episode can't be played on this TV.
error-live-network = This channel can't be shown right now. Check the connection and try again.
error-live-stream = This channel can't be shown on this TV.
subtitles-unavailable = Subtitles ({ $language }) unavailable: { $why }

## Settings
settings-hint = ▲ ▼ choose · ◀ ▶ change · Back to return
setting-language = Language
setting-subtitles = Subtitles
setting-subtitle-language = Subtitle language
setting-audio-language = Audio language
setting-caption-size = Subtitle size
setting-text-colour = Text colour
setting-text-opacity = Text opacity
setting-background-colour = Background colour
setting-background-opacity = Background opacity
setting-edge = Text edge
setting-font = Subtitle font
automatic = Automatic ({ $language })
subtitles-auto = When needed
subtitles-on = On
subtitles-off = Off
colour-white = White
colour-yellow = Yellow
colour-green = Green
colour-cyan = Cyan
colour-blue = Blue
colour-magenta = Magenta
colour-red = Red
colour-black = Black
edge-none = None
edge-raised = Raised
edge-depressed = Depressed
edge-uniform = Outline
edge-drop-shadow = Drop shadow
font-sans = Sans-serif
font-serif = Serif
font-mono = Monospaced
preview-sample = Subtitles look like this.
preview-sample-2 = Press ◀ ▶ to change them.

## Parental control
setting-parental = Parental PIN
setting-max-rating = Highest rating ({ $system })
parental-on = On
parental-off = Off
no-limit = No limit
pin-choose = Choose a 4-digit PIN
pin-confirm = Enter the same PIN again
pin-enter = Enter the parental PIN
pin-hint = Number keys, or ▲ ▼ to pick a digit and OK · ◀ erases · Back cancels
pin-wrong = { $left ->
    [one] Wrong PIN. One more try before a one-minute wait.
   *[other] Wrong PIN. { $left } more tries before a one-minute wait.
}
pin-mismatch = The two PINs were not the same. Choose again.
pin-wait = Too many wrong PINs. Try again in { $seconds } s.

## Colour keys, time
toast-subtitles-on = Subtitles on
toast-subtitles-off = Subtitles off
toast-audio = Audio: { $language }
toast-audio-only = This episode has one audio language: { $language }
hint-subtitles = Subtitles
hint-audio = Audio
hint-digits = 0–9: go to an episode
running-time = { $minutes } min in all
time-left = { $minutes } min left

## Spoken UI
setting-spoken = Spoken UI
setting-speech-rate = Speech rate
setting-speech-volume = Speech volume
toast-spoken-on = Spoken UI on
toast-spoken-off = Spoken UI off
hint-spoken = Speech
spoken-episode = Episode { $number }
spoken-locked = locked
spoken-watched = watched
spoken-digits = { $count ->
    [0] no digits typed
    [one] 1 digit typed
   *[other] { $count } digits typed
}

## Text size, contrast, first run
setting-text-size = Text size
setting-high-contrast = High contrast
welcome = Welcome
welcome-hint = ▲ ▼ choose · ◀ ▶ change · OK on Start when you are ready
welcome-done = Start watching
setting-still-watching = Ask "Still watching?"
setting-previews = Play previews on the home screen
setting-data-use = Data use
data-best = Best quality
data-save = Save data
data-least = Least data
setting-data-used = Data used this month
data-mb = { $amount } MB
data-gb = { $amount } GB
previews-off-saving = Off while saving data
setting-keep-ahead = Episodes kept ready
keep-off = Off
keep-per-series = { $count } per series
setting-keep-when = Fetch kept episodes
keep-when-idle = When the TV is idle
keep-at-night = At night ({ $from }:00 to { $to }:00)
setting-keep-space = Space for kept episodes
keep-space-auto = Automatic (up to 2 GB)
setting-kept = Kept on this TV
kept-amount = { $count ->
    [one] 1 episode, { $amount }
   *[other] { $count } episodes, { $amount }
}
episode-kept = On this TV
setting-share-viewing = Share viewing data with { $name }
setting-share-viewing-any = Share viewing data
never = Never
after-minutes = After { $minutes } min without a key
still-watching = Are you still watching?
still-watching-continue = Continue watching
still-watching-stop = Stop
sleep-off = Sleep timer
sleep-in = Sleep in { $minutes } min
toast-sleep = Sleep timer: { $minutes } minutes
toast-sleep-off = Sleep timer off
toast-sleep-done = Stopped by the sleep timer
setting-account = This TV's account
account-signed-in = Signed in. Press OK to sign out.
account-confirm = Press OK again to sign this TV out
account-none = Not signed in
toast-signed-out = This TV is signed out
setting-reset = Reset this box
reset-value = Press OK to forget everything
reset-question = Reset this box?
reset-body = Everything this box keeps about you is forgotten: what you watched, your settings, the parental PIN, the sign-in and what ads unlocked. It starts again as new.
reset-cancel = Cancel
reset-go = Reset
toast-reset = This box was reset

## Drama channels
channels-row = Channels
channel-episode = { $series }, episode { $number }
channel-now = Now: { $what }
channel-next = Next: { $what }
live = Live
channel-card = Continue this story on the series page
channel-question = Watch this series from episode 1, or continue it here?
channel-continue = Continue here
channel-from-start = Watch from episode 1
setting-tv-mode = Start in TV mode
