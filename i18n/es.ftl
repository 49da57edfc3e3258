# Textos de pillarbox, español (mismos ids que en.ftl).

## Home
continue-watching = Seguir viendo
settings = Ajustes
loading-programmes = Cargando programas…
notice-stale = Se muestran los programas guardados en este televisor: no se pudieron cargar los últimos.
notice-expired = Estos programas debían renovarse el { $date } y pueden estar desactualizados.
catalog-failed = Ahora no se pueden mostrar los programas
catalog-failed-hint = Comprueba la conexión del televisor. Lo vuelve a intentar solo; Reintentar lo intenta ahora.
leave-app = ¿Salir de { $name }?
stay = Quedarse
exit = Salir

## Series
episodes = Episodios
episode-count = { $count ->
    [one] 1 episodio
   *[other] { $count } episodios
}
free-count = { $count } gratis
all-free = todos gratis
licence = Licencia: { $licence }
play-episode = ▶  Ver EP { $number }
continue-episode = ▶  Continuar EP { $number }
genre-romance = Romance
genre-drama = Drama
genre-revenge = Venganza
genre-ceo = Millonarios
genre-fantasy = Fantasía
genre-family = Familia
genre-comedy = Comedia
genre-thriller = Suspense

## Locked
locked-title = El episodio { $number } está bloqueado
locked-free = { $free ->
    [0] Ningún episodio de { $title } es gratis.
    [1] El episodio 1 de { $title } es gratis.
   *[other] Los episodios 1–{ $free } de { $title } son gratis.
}
locked-price = { $count ->
    [1] El episodio { $first } se desbloquea por { $price }.
   *[other] Los episodios { $first }–{ $last } se desbloquean por { $price } cada uno.
}
# A price in coins, after "for" (locked-price).
price-coins = { $price ->
    [1] { $price } moneda
   *[other] { $price } monedas
}
locked-not-free = { $count ->
    [1] El episodio { $first } no es gratis.
   *[other] Los episodios { $first }–{ $last } no son gratis.
}
locked-unavailable = Aún no se puede desbloquear en este televisor. Pulsa OK o Atrás para volver.
locked-coins = Desbloquear el episodio { $number } por { $price } monedas
locked-balance = Tu saldo: { $coins } monedas
locked-phone = Desbloquear con el móvil
locked-code-hint = Escanea con la cámara del móvil, o abre { $uri } y escribe este código:
locked-confirm = ¿Gastar { $price } de tus { $coins } monedas en el episodio { $number }?
locked-unlock = Desbloquear
locked-cancel = Cancelar
locked-waiting = Un momento…
locked-signed-in = Este televisor ya tiene la sesión iniciada. Elige cómo desbloquear.
locked-not-enough = No tienes monedas suficientes: tienes { $balance } y cuesta { $price }. Añade monedas con el móvil.
locked-expired = El código ha caducado. Pulsa OK para obtener otro.
locked-denied = La solicitud se rechazó en el móvil.
locked-signed-out = Se cerró la sesión de este televisor. Desbloquea con el móvil para volver a iniciarla.
locked-not-paired = Inicia sesión con el móvil primero.
locked-network = No hay conexión con { $provider }. No se ha gastado nada: inténtalo de nuevo en un momento.
locked-server = { $provider } no pudo completarlo. No se ha gastado nada: inténtalo más tarde.
locked-not-entitled = Este episodio no está desbloqueado en la cuenta con la que este televisor inició sesión.
locked-episode-gone = { $provider } no ofrece este episodio ahora.
locked-site = La página está en { $host }: comprueba la dirección antes de iniciar sesión.
locked-how = Pulsa OK para elegir, Atrás para volver. El episodio empieza solo cuando se desbloquea.
back = Atrás

## Player
episode-short = EP { $number }
episode-of = EP { $number } / { $total }
# Above the episode beside an ad break: the episode after it.
episode-next = A continuación
up-next = A continuación
loading = Cargando…
paused = En pausa
previous = Anterior
play = ▶ Reproducir
pause = Pausa
next = Siguiente
next-in = Siguiente en { $seconds } s
ad-in = Anuncio en { $seconds } s
ad-label = Anuncio · { $time }
ad-position = { $index } de { $count }
ad-skip = Saltar anuncio
ad-skip-in = Saltar en { $seconds }
spoken-ad = Anuncio { $index } de { $count }, quedan { $seconds } segundos
locked-ad = { $count ->
    [one] Desbloquear con anuncio
   *[other] Desbloquear { $count } episodios con anuncio
} (quedan { $left } hoy)
reward-hint = El episodio { $number } se desbloquea al final
reward-leave = ¿Salir sin desbloquear?
reward-keep = Seguir viendo
reward-leave-now = Salir
reward-unlocking = Desbloqueando…
reward-no-ad = Ahora no hay ningún anuncio disponible. No se ha gastado nada: inténtalo más tarde o desbloquéalo de otra forma.
cannot-play = Este episodio no se puede reproducir
cannot-play-live = Este canal no se puede ver
no-stream = El episodio { $number } no tiene ningún vídeo que este reproductor pueda reproducir.
retry = Reintentar
next-episode = Siguiente episodio
details = Detalles
error-network = Este episodio no se puede reproducir ahora. Comprueba la conexión e inténtalo de nuevo.
connection-lost = Se perdió la conexión: reintentando
broadcast-stalled = La emisión se ha detenido por ahora: seguimos intentándolo
error-stream = Este episodio no se puede reproducir en este televisor.
error-live-network = Este canal no se puede ver ahora. Comprueba la conexión e inténtalo de nuevo.
error-live-stream = Este canal no se puede ver en este televisor.
subtitles-unavailable = Subtítulos ({ $language }) no disponibles: { $why }

## Settings
settings-hint = ▲ ▼ elegir · ◀ ▶ cambiar · Atrás para volver
setting-language = Idioma
setting-subtitles = Subtítulos
setting-subtitle-language = Idioma de los subtítulos
setting-audio-language = Idioma del audio
setting-caption-size = Tamaño de los subtítulos
setting-text-colour = Color del texto
setting-text-opacity = Opacidad del texto
setting-background-colour = Color del fondo
setting-background-opacity = Opacidad del fondo
setting-edge = Borde del texto
setting-font = Fuente de los subtítulos
automatic = Automático ({ $language })
subtitles-auto = Cuando hagan falta
subtitles-on = Sí
subtitles-off = No
colour-white = Blanco
colour-yellow = Amarillo
colour-green = Verde
colour-cyan = Cian
colour-blue = Azul
colour-magenta = Magenta
colour-red = Rojo
colour-black = Negro
edge-none = Ninguno
edge-raised = En relieve
edge-depressed = Hundido
edge-uniform = Contorno
edge-drop-shadow = Sombra
font-sans = Sin serifa
font-serif = Con serifa
font-mono = Monoespaciada
preview-sample = Así se ven los subtítulos.
preview-sample-2 = Pulsa ◀ ▶ para cambiarlos.

## Parental control
setting-parental = PIN parental
setting-max-rating = Clasificación máxima ({ $system })
parental-on = Sí
parental-off = No
no-limit = Sin límite
pin-choose = Elige un PIN de 4 cifras
pin-confirm = Vuelve a introducir el mismo PIN
pin-enter = Introduce el PIN parental
pin-hint = Teclas numéricas, o ▲ ▼ para elegir la cifra y OK · ◀ borra · Atrás cancela
pin-wrong = { $left ->
    [one] PIN incorrecto. Un intento más antes de esperar un minuto.
   *[other] PIN incorrecto. { $left } intentos más antes de esperar un minuto.
}
pin-mismatch = Los dos PIN no coinciden. Elige de nuevo.
pin-wait = Demasiados PIN incorrectos. Vuelve a intentarlo en { $seconds } s.

## Colour keys, time
toast-subtitles-on = Subtítulos activados
toast-subtitles-off = Subtítulos desactivados
toast-audio = Audio: { $language }
toast-audio-only = Este episodio tiene un solo idioma de audio: { $language }
hint-subtitles = Subtítulos
hint-audio = Audio
hint-digits = 0–9: ir a un episodio
running-time = { $minutes } min en total
time-left = quedan { $minutes } min

## Spoken UI
setting-spoken = Lectura en voz alta
setting-speech-rate = Velocidad de la voz
setting-speech-volume = Volumen de la voz
toast-spoken-on = Lectura en voz alta activada
toast-spoken-off = Lectura en voz alta desactivada
hint-spoken = Voz
spoken-episode = Episodio { $number }
spoken-locked = bloqueado
spoken-watched = visto
spoken-digits = { $count ->
    [one] 1 cifra escrita
   *[other] { $count } cifras escritas
}

## Text size, contrast, first run
setting-text-size = Tamaño del texto
setting-high-contrast = Alto contraste
welcome = Bienvenido
welcome-hint = ▲ ▼ elegir · ◀ ▶ cambiar · OK en Empezar cuando estés listo
welcome-done = Empezar a ver
setting-still-watching = Preguntar «¿Sigues viendo?»
setting-previews = Avances en la pantalla de inicio
setting-data-use = Uso de datos
data-best = Mejor calidad
data-save = Ahorrar datos
data-least = Mínimo de datos
setting-data-used = Datos usados este mes
data-mb = { $amount } MB
data-gb = { $amount } GB
previews-off-saving = Desactivado al ahorrar datos
setting-keep-ahead = Episodios listos en la TV
keep-off = No
keep-per-series = { $count } por serie
setting-keep-when = Descargarlos
keep-when-idle = Cuando la TV no se usa
keep-at-night = De noche (de { $from }:00 a { $to }:00)
setting-keep-space = Espacio para episodios
keep-space-auto = Automático (hasta 2 GB)
setting-kept = En esta TV
kept-amount = { $count ->
    [one] 1 episodio, { $amount }
   *[other] { $count } episodios, { $amount }
}
episode-kept = En esta TV
setting-share-viewing = Compartir lo que veo con { $name }
setting-share-viewing-any = Compartir lo que veo
never = Nunca
after-minutes = Tras { $minutes } min sin pulsar teclas
still-watching = ¿Sigues viendo?
still-watching-continue = Seguir viendo
still-watching-stop = Parar
sleep-off = Temporizador
sleep-in = Se apaga en { $minutes } min
toast-sleep = Temporizador: { $minutes } minutos
toast-sleep-off = Temporizador desactivado
toast-sleep-done = Detenido por el temporizador
setting-account = Cuenta de este televisor
account-signed-in = Sesión iniciada. Pulsa OK para cerrarla.
account-confirm = Pulsa OK otra vez para cerrar la sesión de este televisor
account-none = Sin sesión iniciada
toast-signed-out = Se cerró la sesión de este televisor
setting-reset = Restablecer este aparato
reset-value = Pulsa OK para borrarlo todo
reset-question = ¿Restablecer este aparato?
reset-body = Se borra todo lo que este aparato guarda sobre ti: lo que viste, tus ajustes, el PIN parental, la sesión y lo que desbloquearon los anuncios. Vuelve a empezar como nuevo.
reset-cancel = Cancelar
reset-go = Restablecer
toast-reset = Este aparato se restableció

## Drama channels
channels-row = Canales
channel-episode = { $series }, episodio { $number }
channel-now = Ahora: { $what }
channel-next = Después: { $what }
live = En directo
channel-card = Sigue esta historia en la página de la serie
channel-question = ¿Ver esta serie desde el episodio 1 o seguirla aquí?
channel-continue = Seguir aquí
channel-from-start = Ver desde el episodio 1
setting-tv-mode = Empezar en modo TV
