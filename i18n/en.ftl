# pillarbox UI strings, English (the reference: every other file has the same ids).
# Fluent syntax: https://projectfluent.org/fluent/guide/

## Home
continue-watching = Continue watching
settings = Settings
loading-programmes = Loading programmes…
notice-stale = Showing saved programmes: { $why }
notice-expired = These programmes were due to be renewed on { $date } and may be out of date.
notice-no-catalog = Cannot load programmes; trying again. ({ $why })
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
locked-free = Episodes 1–{ $free } of { $title } are free to watch.
locked-price = Episodes { $first }–{ $last } unlock for { $price } { $currency }.
locked-not-free = Episodes { $first }–{ $last } are not free.
locked-unavailable = Unlocking on this TV is not available yet. Press OK or Back to return.
back = Back

## Player
episode-short = EP { $number }
episode-of = EP { $number } / { $total }
up-next = Up next
loading = Loading…
paused = Paused
previous = Previous
play = ▶ Play
pause = Pause
next = Next
next-in = Next in { $seconds } s
cannot-play = This episode cannot play
no-stream = Episode { $number } has no stream this player can play.
retry = Retry
next-episode = Next episode
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
