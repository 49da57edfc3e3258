# Maandishi ya pillarbox, Kiswahili (vitambulisho sawa na en.ftl).

## Home
continue-watching = Endelea kutazama
settings = Mipangilio
loading-programmes = Inapakia vipindi…
notice-stale = Vipindi vilivyohifadhiwa kwenye TV hii vinaonyeshwa: vipya havikuweza kupakiwa.
notice-expired = Vipindi hivi vilipaswa kusasishwa tarehe { $date } na huenda vimepitwa na wakati.
catalog-failed = Vipindi haviwezi kuonyeshwa sasa hivi
catalog-failed-hint = Angalia muunganisho wa TV. Inajaribu tena yenyewe; Jaribu tena inajaribu sasa.
leave-app = Ondoka { $name }?
stay = Baki
exit = Ondoka

## Series
episodes = Sehemu
episode-count = { $count ->
    [one] sehemu 1
   *[other] sehemu { $count }
}
free-count = { $count } bure
all-free = zote bure
licence = Leseni: { $licence }
play-episode = ▶  Cheza sehemu { $number }
continue-episode = ▶  Endelea sehemu { $number }
genre-romance = Mapenzi
genre-drama = Drama
genre-revenge = Kisasi
genre-ceo = Matajiri
genre-fantasy = Kubuni
genre-family = Familia
genre-comedy = Vichekesho
genre-thriller = Taharuki

## Locked
locked-title = Sehemu ya { $number } imefungwa
locked-free = { $free ->
    [0] Hakuna sehemu ya { $title } iliyo bure.
    [1] Sehemu ya 1 ya { $title } ni bure kutazama.
   *[other] Sehemu 1–{ $free } za { $title } ni bure kutazama.
}
locked-price = { $count ->
    [1] Sehemu ya { $first } hufunguliwa kwa { $price }.
   *[other] Kila sehemu kati ya { $first }–{ $last } hufunguliwa kwa { $price }.
}
# A price in coins, after "for" (locked-price).
price-coins = sarafu { $price }
locked-not-free = { $count ->
    [1] Sehemu ya { $first } si bure.
   *[other] Sehemu { $first }–{ $last } si bure.
}
locked-unavailable = Kufungua kwenye TV hii bado hakupatikani. Bonyeza OK au Rudi.
locked-coins = Fungua sehemu ya { $number } kwa sarafu { $price }
locked-balance = Salio lako: sarafu { $coins }
locked-phone = Fungua kwa simu yako
locked-code-hint = Piga picha kwa kamera ya simu, au fungua { $uri } na uandike msimbo huu:
locked-confirm = Tumia sarafu { $price } kati ya { $coins } kwa sehemu ya { $number }?
locked-unlock = Fungua
locked-cancel = Ghairi
locked-waiting = Subiri kidogo…
locked-signed-in = TV hii imeingia. Chagua jinsi ya kufungua.
locked-not-enough = Sarafu hazitoshi: una { $balance }, bei ni { $price }. Ongeza sarafu kwa simu yako.
locked-expired = Msimbo umeisha muda. Bonyeza OK upate mpya.
locked-denied = Ombi lilikataliwa kwenye simu.
locked-signed-out = TV hii imetolewa. Fungua kwa simu yako ili kuingia tena.
locked-not-paired = Ingia kwa simu yako kwanza.
locked-network = Hakuna muunganisho na { $provider }. Hakuna kilichotumika: jaribu tena baada ya muda.
locked-server = { $provider } haikuweza kukamilisha hili. Hakuna kilichotumika: jaribu tena baadaye.
locked-not-entitled = Sehemu hii haijafunguliwa kwa akaunti ambayo TV hii imeingia nayo.
locked-episode-gone = { $provider } haitoi sehemu hii kwa sasa.
locked-site = Ukurasa uko kwenye { $host }: hakikisha anwani kabla ya kuingia.
locked-how = Bonyeza OK kuchagua, Rudi kurudi. Sehemu itaanza yenyewe ikifunguliwa.
back = Rudi

## Player
episode-short = Sehemu { $number }
episode-of = Sehemu { $number } / { $total }
# Above the episode beside an ad break: the episode after it.
episode-next = Inayofuata
up-next = Inayofuata
loading = Inapakia…
paused = Imesitishwa
previous = Iliyotangulia
play = ▶ Cheza
pause = Sitisha
next = Inayofuata
next-in = Inayofuata baada ya sekunde { $seconds }
ad-in = Tangazo baada ya sekunde { $seconds }
ad-label = Tangazo · { $time }
ad-position = { $index } kati ya { $count }
ad-skip = Ruka tangazo
ad-skip-in = Ruka baada ya { $seconds }
spoken-ad = Tangazo { $index } kati ya { $count }, zimebaki sekunde { $seconds }
locked-ad = { $count ->
    [one] Fungua kwa tangazo
   *[other] Fungua sehemu { $count } kwa tangazo
} (yamebaki { $left } leo)
reward-hint = Sehemu ya { $number } itafunguka mwishoni
reward-leave = Ondoka bila kufungua?
reward-keep = Endelea kutazama
reward-leave-now = Ondoka
reward-unlocking = Inafungua…
reward-no-ad = Hakuna tangazo kwa sasa. Hakuna kilichotumika: jaribu tena baadaye, au fungua kwa njia nyingine.
cannot-play = Sehemu hii haiwezi kuchezwa
cannot-play-live = Chaneli hii haiwezi kuonyeshwa
no-stream = Sehemu ya { $number } haina video ambayo kicheza hiki kinaweza kucheza.
retry = Jaribu tena
next-episode = Sehemu inayofuata
details = Maelezo
error-network = Sehemu hii haiwezi kuchezwa sasa hivi. Angalia muunganisho kisha ujaribu tena.
connection-lost = Muunganisho umekatika: tunajaribu tena
broadcast-stalled = Matangazo yamesimama kwa sasa: tunaendelea kujaribu
error-stream = Sehemu hii haiwezi kuchezwa kwenye TV hii.
error-live-network = Chaneli hii haiwezi kuonyeshwa sasa hivi. Angalia muunganisho kisha ujaribu tena.
error-live-stream = Chaneli hii haiwezi kuonyeshwa kwenye TV hii.
subtitles-unavailable = Manukuu ({ $language }) hayapatikani: { $why }

## Settings
settings-hint = ▲ ▼ chagua · ◀ ▶ badilisha · Rudi kutoka
setting-language = Lugha
setting-subtitles = Manukuu
setting-subtitle-language = Lugha ya manukuu
setting-audio-language = Lugha ya sauti
setting-caption-size = Ukubwa wa manukuu
setting-text-colour = Rangi ya maandishi
setting-text-opacity = Uangavu wa maandishi
setting-background-colour = Rangi ya mandharinyuma
setting-background-opacity = Uangavu wa mandharinyuma
setting-edge = Ukingo wa maandishi
setting-font = Fonti ya manukuu
automatic = Kiotomatiki ({ $language })
subtitles-auto = Inapohitajika
subtitles-on = Washa
subtitles-off = Zima
colour-white = Nyeupe
colour-yellow = Njano
colour-green = Kijani
colour-cyan = Samawati isiyokolea
colour-blue = Buluu
colour-magenta = Zambarau
colour-red = Nyekundu
colour-black = Nyeusi
edge-none = Hakuna
edge-raised = Iliyoinuka
edge-depressed = Iliyobonyea
edge-uniform = Mstari wa nje
edge-drop-shadow = Kivuli
font-sans = Bila serifu
font-serif = Yenye serifu
font-mono = Upana sawa
preview-sample = Manukuu yanaonekana hivi.
preview-sample-2 = Bonyeza ◀ ▶ kuyabadilisha.

## Parental control
setting-parental = PIN ya wazazi
setting-max-rating = Daraja la juu ({ $system })
parental-on = Washa
parental-off = Zima
no-limit = Bila kikomo
pin-choose = Chagua PIN ya tarakimu 4
pin-confirm = Weka PIN hiyo hiyo tena
pin-enter = Weka PIN ya wazazi
pin-hint = Vitufe vya namba, au ▲ ▼ kuchagua tarakimu na OK · ◀ hufuta · Rudi hughairi
pin-wrong = { $left ->
    [one] PIN si sahihi. Jaribio moja zaidi kabla ya kusubiri dakika moja.
   *[other] PIN si sahihi. Majaribio { $left } zaidi kabla ya kusubiri dakika moja.
}
pin-mismatch = PIN mbili hazifanani. Chagua tena.
pin-wait = PIN zisizo sahihi ni nyingi mno. Jaribu tena baada ya sekunde { $seconds }.

## Colour keys, time
toast-subtitles-on = Manukuu yamewashwa
toast-subtitles-off = Manukuu yamezimwa
toast-audio = Sauti: { $language }
toast-audio-only = Sehemu hii ina lugha moja ya sauti: { $language }
hint-subtitles = Manukuu
hint-audio = Sauti
hint-digits = 0–9: nenda kwenye sehemu
running-time = dakika { $minutes } kwa jumla
time-left = zimebaki dakika { $minutes }

## Spoken UI
setting-spoken = Kusomewa kwa sauti
setting-speech-rate = Kasi ya sauti
setting-speech-volume = Sauti ya msomaji
toast-spoken-on = Kusomewa kwa sauti kumewashwa
toast-spoken-off = Kusomewa kwa sauti kumezimwa
hint-spoken = Sauti
spoken-episode = Sehemu ya { $number }
spoken-locked = imefungwa
spoken-watched = imetazamwa
spoken-digits = tarakimu { $count } zimeandikwa

## Text size, contrast, first run
setting-text-size = Ukubwa wa maandishi
setting-high-contrast = Utofautishaji mkubwa
welcome = Karibu
welcome-hint = ▲ ▼ chagua · ◀ ▶ badilisha · OK kwenye Anza ukiwa tayari
welcome-done = Anza kutazama
setting-still-watching = Uliza "Bado unatazama?"
setting-previews = Onyesha vionjo kwenye skrini ya mwanzo
setting-data-use = Matumizi ya data
data-best = Ubora bora zaidi
data-save = Okoa data
data-least = Data kidogo zaidi
setting-data-used = Data iliyotumika mwezi huu
data-mb = { $amount } MB
data-gb = { $amount } GB
previews-off-saving = Imezimwa wakati wa kuokoa data
setting-keep-ahead = Vipindi vilivyo tayari
keep-off = Zima
keep-per-series = { $count } kwa kila mfululizo
setting-keep-when = Kuvipakua
keep-when-idle = TV isipotumika
keep-at-night = Usiku (saa { $from }:00 hadi { $to }:00)
setting-keep-space = Nafasi ya vipindi
keep-space-auto = Kiotomatiki (hadi GB 2)
setting-kept = Vilivyo kwenye TV hii
kept-amount = { $count ->
    [one] Kipindi 1, { $amount }
   *[other] Vipindi { $count }, { $amount }
}
episode-kept = Kwenye TV hii
setting-share-viewing = Shiriki data ya utazamaji na { $name }
setting-share-viewing-any = Shiriki data ya utazamaji
never = Kamwe
after-minutes = Baada ya dakika { $minutes } bila kubonyeza
still-watching = Bado unatazama?
still-watching-continue = Endelea kutazama
still-watching-stop = Simamisha
sleep-off = Kipima muda wa kulala
sleep-in = Itazima baada ya dakika { $minutes }
toast-sleep = Kipima muda: dakika { $minutes }
toast-sleep-off = Kipima muda kimezimwa
toast-sleep-done = Imesimamishwa na kipima muda
setting-account = Akaunti ya TV hii
account-signed-in = Umeingia. Bonyeza OK kutoka.
account-confirm = Bonyeza OK tena kuitoa TV hii
account-none = Hujaingia
toast-signed-out = TV hii imetolewa
setting-reset = Weka upya kifaa hiki
reset-value = Bonyeza OK kusahau kila kitu
reset-question = Weka upya kifaa hiki?
reset-body = Kila kitu ambacho kifaa hiki kinahifadhi kukuhusu kitasahaulika: ulichotazama, mipangilio yako, PIN ya wazazi, akaunti na vilivyofunguliwa kwa matangazo. Kitaanza upya kama kipya.
reset-cancel = Ghairi
reset-go = Weka upya
toast-reset = Kifaa hiki kimewekwa upya

## Drama channels
channels-row = Chaneli
channel-episode = { $series }, sehemu ya { $number }
channel-now = Sasa: { $what }
channel-next = Ifuatayo: { $what }
live = Mubashara
channel-card = Endelea na hadithi hii kwenye ukurasa wa mfululizo
channel-question = Tazama mfululizo huu kuanzia sehemu ya 1, au uendelee hapa?
channel-continue = Endelea hapa
channel-from-start = Tazama kuanzia sehemu ya 1
setting-tv-mode = Anza katika hali ya TV
