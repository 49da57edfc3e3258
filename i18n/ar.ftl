# نصوص واجهة pillarbox، العربية (المعرّفات نفسها في en.ftl).

## Home
continue-watching = متابعة المشاهدة
settings = الإعدادات
loading-programmes = جارٍ تحميل البرامج…
notice-stale = تُعرض البرامج المحفوظة على هذا التلفاز: تعذّر تحميل الأحدث.
notice-expired = كان يجب تحديث هذه البرامج في { $date } وقد تكون قديمة.
catalog-failed = لا يمكن عرض البرامج الآن
catalog-failed-hint = تحقّق من اتصال التلفاز. سيحاول مجددًا من تلقاء نفسه؛ «إعادة المحاولة» تحاول الآن.
leave-app = هل تريد مغادرة { $name }؟
stay = البقاء
exit = خروج

## Series
episodes = الحلقات
episode-count = { $count ->
    [zero] لا حلقات
    [one] حلقة واحدة
    [two] حلقتان
    [few] { $count } حلقات
   *[other] { $count } حلقة
}
free-count = { $count } مجانية
all-free = كلها مجانية
licence = الترخيص: { $licence }
play-episode = ▶  تشغيل الحلقة { $number }
continue-episode = ▶  متابعة الحلقة { $number }
genre-romance = رومانسي
genre-drama = دراما
genre-revenge = انتقام
genre-ceo = رجال أعمال
genre-fantasy = خيال
genre-family = عائلي
genre-comedy = كوميدي
genre-thriller = إثارة

## Locked
locked-title = الحلقة { $number } مقفلة
locked-free = { $free ->
    [0] لا توجد حلقة مجانية من { $title }.
    [1] الحلقة 1 من { $title } مجانية.
   *[other] الحلقات 1–{ $free } من { $title } مجانية.
}
locked-price = { $count ->
    [1] تُفتح الحلقة { $first } مقابل { $price }.
   *[other] تُفتح كل حلقة من الحلقات { $first }–{ $last } مقابل { $price }.
}
# A price in coins, after "for" (locked-price).
price-coins = { $price } عملة
locked-not-free = { $count ->
    [1] الحلقة { $first } ليست مجانية.
   *[other] الحلقات { $first }–{ $last } ليست مجانية.
}
locked-unavailable = فتح الحلقات على هذا التلفاز غير متاح بعد. اضغط موافق أو رجوع للعودة.
locked-coins = افتح الحلقة { $number } مقابل { $price } عملة
locked-balance = رصيدك: { $coins } عملة
locked-phone = افتح بهاتفك
locked-code-hint = امسح الرمز بكاميرا هاتفك، أو افتح { $uri } واكتب هذا الرمز:
locked-confirm = هل تنفق { $price } من عملاتك الـ { $coins } على الحلقة { $number }؟
locked-unlock = افتح
locked-cancel = إلغاء
locked-waiting = لحظة من فضلك…
locked-signed-in = تم تسجيل دخول هذا التلفاز. اختر طريقة الفتح.
locked-not-enough = العملات لا تكفي: لديك { $balance } والسعر { $price }. أضف عملات من هاتفك.
locked-expired = انتهت صلاحية الرمز. اضغط موافق للحصول على رمز جديد.
locked-denied = رُفض الطلب على الهاتف.
locked-signed-out = تم تسجيل خروج هذا التلفاز. افتح بهاتفك لتسجيل الدخول من جديد.
locked-not-paired = سجّل الدخول بهاتفك أولاً.
locked-network = لا اتصال بـ { $provider }. لم يُنفق شيء: حاول مجددًا بعد قليل.
locked-server = تعذّر على { $provider } إتمام ذلك. لم يُنفق شيء: حاول لاحقًا.
locked-not-entitled = هذه الحلقة غير مفتوحة في الحساب الذي سُجّل به هذا التلفاز.
locked-episode-gone = لا يعرض { $provider } هذه الحلقة الآن.
locked-site = الصفحة على { $host }: تحقّق من العنوان قبل تسجيل الدخول.
locked-how = اضغط موافق للاختيار، ورجوع للعودة. تبدأ الحلقة وحدها بعد فتحها.
back = رجوع

## Player
episode-short = الحلقة { $number }
episode-of = الحلقة { $number } / { $total }
# Above the episode beside an ad break: the episode after it.
episode-next = التالي
up-next = التالي
loading = جارٍ التحميل…
paused = متوقف مؤقتًا
previous = السابقة
play = ▶ تشغيل
pause = إيقاف مؤقت
next = التالية
next-in = التالية بعد { $seconds } ث
ad-in = إعلان بعد { $seconds } ث
ad-label = إعلان · { $time }
ad-position = { $index } من { $count }
ad-skip = تخطي الإعلان
ad-skip-in = التخطي بعد { $seconds }
spoken-ad = إعلان { $index } من { $count }، متبقٍ { $seconds } ثانية
locked-ad = { $count ->
    [one] افتح بمشاهدة إعلان
   *[other] افتح { $count } حلقات بمشاهدة إعلان
} (المتبقي اليوم: { $left })
reward-hint = تُفتح الحلقة { $number } في النهاية
reward-leave = هل تريد المغادرة دون فتح الحلقة؟
reward-keep = متابعة المشاهدة
reward-leave-now = مغادرة
reward-unlocking = جارٍ الفتح…
reward-no-ad = لا يوجد إعلان متاح الآن. لم يُنفق شيء: حاول لاحقًا أو افتح الحلقة بطريقة أخرى.
cannot-play = تعذّر تشغيل هذه الحلقة
cannot-play-live = تعذّر عرض هذه القناة
no-stream = الحلقة { $number } ليس لها بث يستطيع هذا المشغل تشغيله.
retry = إعادة المحاولة
next-episode = الحلقة التالية
details = التفاصيل
error-network = لا يمكن تشغيل هذه الحلقة الآن. تحقّق من الاتصال وحاول مرة أخرى.
connection-lost = انقطع الاتصال: نحاول مجددًا
broadcast-stalled = توقّف البث مؤقتًا: نواصل المحاولة
error-stream = لا يمكن تشغيل هذه الحلقة على هذا التلفاز.
error-live-network = لا يمكن عرض هذه القناة الآن. تحقّق من الاتصال وحاول مرة أخرى.
error-live-stream = لا يمكن عرض هذه القناة على هذا التلفاز.
subtitles-unavailable = الترجمة ({ $language }) غير متاحة: { $why }

## Settings
settings-hint = ▲ ▼ اختيار · ◀ ▶ تغيير · رجوع للعودة
setting-language = اللغة
setting-subtitles = الترجمة
setting-subtitle-language = لغة الترجمة
setting-audio-language = لغة الصوت
setting-caption-size = حجم الترجمة
setting-text-colour = لون النص
setting-text-opacity = عتامة النص
setting-background-colour = لون الخلفية
setting-background-opacity = عتامة الخلفية
setting-edge = حافة النص
setting-font = خط الترجمة
automatic = تلقائي ({ $language })
subtitles-auto = عند الحاجة
subtitles-on = تشغيل
subtitles-off = إيقاف
colour-white = أبيض
colour-yellow = أصفر
colour-green = أخضر
colour-cyan = سماوي
colour-blue = أزرق
colour-magenta = أرجواني
colour-red = أحمر
colour-black = أسود
edge-none = بلا
edge-raised = بارز
edge-depressed = غائر
edge-uniform = محدد
edge-drop-shadow = ظل
font-sans = بلا زوائد
font-serif = بزوائد
font-mono = ثابت العرض
preview-sample = هكذا تبدو الترجمة.
preview-sample-2 = اضغط ◀ ▶ لتغييرها.

## Parental control
setting-parental = رمز الرقابة الأبوية
setting-max-rating = أعلى تصنيف ({ $system })
parental-on = تشغيل
parental-off = إيقاف
no-limit = بلا حد
pin-choose = اختر رمزًا من 4 أرقام
pin-confirm = أدخل الرمز نفسه مرة أخرى
pin-enter = أدخل رمز الرقابة الأبوية
pin-hint = مفاتيح الأرقام، أو ▲ ▼ لاختيار الرقم ثم موافق · ◀ للمسح · رجوع للإلغاء
pin-wrong = { $left ->
    [one] رمز خاطئ. محاولة واحدة أخرى قبل انتظار دقيقة.
    [two] رمز خاطئ. محاولتان أخريان قبل انتظار دقيقة.
   *[other] رمز خاطئ. { $left } محاولات أخرى قبل انتظار دقيقة.
}
pin-mismatch = الرمزان غير متطابقين. اختر مرة أخرى.
pin-wait = محاولات خاطئة كثيرة. حاول مرة أخرى بعد { $seconds } ث.

## Colour keys, time
toast-subtitles-on = الترجمة مفعّلة
toast-subtitles-off = الترجمة متوقفة
toast-audio = الصوت: { $language }
toast-audio-only = لهذه الحلقة لغة صوت واحدة: { $language }
hint-subtitles = الترجمة
hint-audio = الصوت
hint-digits = 0–9: الانتقال إلى حلقة
running-time = { $minutes } دقيقة إجمالًا
time-left = بقي { $minutes } دقيقة

## Spoken UI
setting-spoken = القراءة الصوتية
setting-speech-rate = سرعة القراءة
setting-speech-volume = مستوى صوت القراءة
toast-spoken-on = القراءة الصوتية مفعّلة
toast-spoken-off = القراءة الصوتية متوقفة
hint-spoken = القراءة
spoken-episode = الحلقة { $number }
spoken-locked = مقفلة
spoken-watched = تمت مشاهدتها
spoken-digits = { $count ->
    [zero] لم يُكتب أي رقم
    [one] رقم واحد مكتوب
    [two] رقمان مكتوبان
   *[other] { $count } أرقام مكتوبة
}

## Text size, contrast, first run
setting-text-size = حجم النص
setting-high-contrast = تباين عالٍ
welcome = مرحبًا
welcome-hint = ▲ ▼ اختيار · ◀ ▶ تغيير · موافق على ابدأ عندما تكون جاهزًا
welcome-done = ابدأ المشاهدة
setting-still-watching = اسأل "هل ما زلت تشاهد؟"
setting-previews = تشغيل المعاينات في الشاشة الرئيسية
setting-data-use = استخدام البيانات
data-best = أفضل جودة
data-save = توفير البيانات
data-least = أقل قدر من البيانات
setting-data-used = البيانات المستخدمة هذا الشهر
data-mb = { $amount } ميغابايت
data-gb = { $amount } غيغابايت
previews-off-saving = متوقف أثناء توفير البيانات
setting-keep-ahead = حلقات جاهزة مسبقًا
keep-off = إيقاف
keep-per-series = { $count } لكل مسلسل
setting-keep-when = وقت التنزيل
keep-when-idle = عندما لا يُستخدم التلفاز
keep-at-night = ليلًا (من { $from }:00 إلى { $to }:00)
setting-keep-space = مساحة الحلقات المحفوظة
keep-space-auto = تلقائي (حتى 2 غيغابايت)
setting-kept = محفوظ على هذا التلفاز
kept-amount = { $count ->
    [one] حلقة واحدة، { $amount }
    [two] حلقتان، { $amount }
    [few] { $count } حلقات، { $amount }
   *[other] { $count } حلقة، { $amount }
}
episode-kept = على هذا التلفاز
setting-share-viewing = مشاركة بيانات المشاهدة مع { $name }
setting-share-viewing-any = مشاركة بيانات المشاهدة
never = أبدًا
after-minutes = بعد { $minutes } دقيقة بلا ضغط
still-watching = هل ما زلت تشاهد؟
still-watching-continue = متابعة المشاهدة
still-watching-stop = إيقاف
sleep-off = مؤقت النوم
sleep-in = يتوقف بعد { $minutes } دقيقة
toast-sleep = مؤقت النوم: { $minutes } دقيقة
toast-sleep-off = أُوقف مؤقت النوم
toast-sleep-done = أوقفه مؤقت النوم
setting-account = حساب هذا التلفاز
account-signed-in = تم تسجيل الدخول. اضغط OK لتسجيل الخروج.
account-confirm = اضغط OK مرة أخرى لتسجيل خروج هذا التلفاز
account-none = لم يتم تسجيل الدخول
toast-signed-out = تم تسجيل خروج هذا التلفاز
setting-reset = إعادة ضبط هذا الجهاز
reset-value = اضغط OK لمسح كل شيء
reset-question = إعادة ضبط هذا الجهاز؟
reset-body = سيُمسح كل ما يحفظه هذا الجهاز عنك: ما شاهدته وإعداداتك ورمز PIN الأبوي وتسجيل الدخول وما فتحته الإعلانات. سيبدأ من جديد كأنه جديد.
reset-cancel = إلغاء
reset-go = إعادة الضبط
toast-reset = تمت إعادة ضبط هذا الجهاز

## Drama channels
channels-row = القنوات
channel-episode = { $series }، الحلقة { $number }
channel-now = الآن: { $what }
channel-next = التالي: { $what }
live = مباشر
channel-card = تابع هذه القصة في صفحة المسلسل
channel-question = هل تشاهد هذا المسلسل من الحلقة 1، أم تتابعه هنا؟
channel-continue = تابع هنا
channel-from-start = شاهد من الحلقة 1
setting-tv-mode = البدء في وضع التلفاز
