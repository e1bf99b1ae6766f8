import type { CoreCatalog } from '../translate'

/**
 * Arabic for the sentences of src/main/files, src/main/scan, src/main/notify, src/main/desktop,
 * src/main/server/admin.ts and src/main/server/http.ts, with the short words main puts into them.
 */
export default {
  // files/
  'Choose the file to import again (File ▸ Import Keys…).': 'اختر ملف الاستيراد من جديد (ملف ◂ استيراد المفاتيح…).',
  'Could not write {0}: {1} Nothing was written; choose another place.':
    'تعذّرت الكتابة في {0}: {1} لم يُكتب أي شيء؛ اختر مكانًا آخر.',
  'Cannot read {0}: no such file, or no permission.': 'تتعذّر قراءة {0}: الملف غير موجود، أو لا توجد صلاحية لقراءته.',
  '{0} is {1} MB; import at most 100 MB at once (split the file).':
    'حجم {0} هو {1} ميغابايت؛ استورد 100 ميغابايت على الأكثر في المرة الواحدة (قسّم الملف).',
  '{0} is not UTF-8 text: save it as UTF-8 (CSV UTF-8 in a spreadsheet) and import again.':
    'الملف {0} ليس نصًا بترميز UTF-8: احفظه بترميز UTF-8 (صيغة CSV UTF-8 في برنامج جداول البيانات) ثم استورده مرة أخرى.',
  '{0} already exists: name a new file (a secrets file is never overwritten).':
    'الملف {0} موجود بالفعل: اختر اسمًا لملف جديد (لا يُكتب فوق ملف الأسرار أبدًا).',
  'Cannot create {0} ({1}).': 'يتعذّر إنشاء {0} ({1}).',
  // "Cannot create {0} ({1})." when the system gave no error code.
  error: 'خطأ',

  // scan/
  'No file or folder at "{0}". Check the path.': 'لا يوجد ملف أو مجلد في "{0}". تحقّق من المسار.',
  'No file or folder at {0}. Check the paths.': 'لا يوجد ملف أو مجلد في {0}. تحقّق من المسارات.',

  // notify/sender.ts
  'Email is not set up yet: enter the SMTP server in Settings, or run "keyward notify settings --host H --port P --from ADDR".':
    'لم يُعَدّ البريد الإلكتروني بعد: أدخل خادم SMTP في الإعدادات، أو شغّل "keyward notify settings --host H --port P --from ADDR".',
  'The SMTP login "{0}" needs a password: set KEYWARD_SMTP_PASSWORD or pass --password-stdin.':
    'يحتاج اسم المستخدم "{0}" لخادم SMTP إلى كلمة مرور: عيّن KEYWARD_SMTP_PASSWORD أو مرّر --password-stdin.',
  'The SMTP login "{0}" needs a password: enter it in Settings.':
    'يحتاج اسم المستخدم "{0}" لخادم SMTP إلى كلمة مرور: أدخلها في الإعدادات.',
  '{0} Gave up after {1} attempts; use Retry once it is fixed.':
    '{0} توقّف الإرسال بعد {1} من المحاولات؛ استخدم «إعادة المحاولة» بعد إصلاح المشكلة.',
  'This is a test from Keyward. Alerts about new API keys will be sent through {0}:{1} from {2}.':
    'هذه رسالة تجريبية من Keyward. ستُرسل التنبيهات عن مفاتيح API الجديدة عبر {0}:{1} من {2}.',
  'The outbox sender has been stopped.': 'تم إيقاف مُرسِل صندوق الصادر.',

  // notify/smtp.ts ({1} or {0} after a word is the server's answer in parentheses, with its leading space)
  'The SMTP server at {0} needs a password for {1}, but none is available: set the password (Settings in the app, or KEYWARD_SMTP_PASSWORD / --password-stdin for the CLI and server).':
    'يحتاج خادم SMTP في {0} إلى كلمة مرور للمستخدم {1}، ولا تتوفر أي كلمة مرور: عيّن كلمة المرور (في إعدادات التطبيق، أو KEYWARD_SMTP_PASSWORD / --password-stdin لواجهة CLI والخادم).',
  'The SMTP server at {0} requires a login{1}: set a user name and password.':
    'يتطلب خادم SMTP في {0} تسجيل الدخول{1}: عيّن اسم مستخدم وكلمة مرور.',
  'The SMTP server refused the login{0}: check the user name and password.':
    'رفض خادم SMTP تسجيل الدخول{0}: تحقّق من اسم المستخدم وكلمة المرور.',
  'Nothing answered at {0} (connection refused): check the host and port, and that the mail server is running.':
    'لم يُجب أحد على {0} (رُفض الاتصال): تحقّق من المضيف والمنفذ، ومن أن خادم البريد يعمل.',
  'The SMTP host "{0}" could not be found: check the host name and your network connection.':
    'تعذّر العثور على مضيف SMTP "{0}": تحقّق من اسم المضيف ومن اتصالك بالشبكة.',
  'The SMTP host {0} cannot be reached from this computer: check your network connection or VPN.':
    'لا يمكن الوصول إلى مضيف SMTP {0} من هذا الحاسوب: تحقّق من اتصالك بالشبكة أو من الشبكة الخاصة الافتراضية (VPN).',
  'The SMTP server at {0} did not answer in time: check the host and port (465 is usually TLS, 587 STARTTLS, 25 none), and any firewall.':
    'لم يُجب خادم SMTP في {0} في الوقت المحدد: تحقّق من المضيف والمنفذ (المنفذ 465 عادةً لـ TLS، و587 لـ STARTTLS، و25 بلا تشفير)، ومن أي جدار حماية.',
  "The SMTP server's certificate {0}, so Keyward did not send anything to {1}: ask your mail administrator for a trusted certificate, or install its CA on this computer.":
    'شهادة خادم SMTP {0}، لذا لم يرسل Keyward أي شيء إلى {1}: اطلب من مسؤول البريد شهادة موثوقة، أو ثبّت جهة إصدارها (CA) على هذا الحاسوب.',
  // What is wrong with the certificate, in the sentence above.
  'has expired': 'منتهية الصلاحية',
  'is self-signed': 'موقّعة ذاتيًا',
  'is not signed by an authority this computer trusts': 'غير موقّعة من جهة يثق بها هذا الحاسوب',
  'The SMTP server\'s certificate is not for "{0}": use the host name written on the certificate.':
    'شهادة خادم SMTP ليست صادرة لـ "{0}": استخدم اسم المضيف المكتوب في الشهادة.',
  'The server at {0} does not speak TLS from the first byte: choose STARTTLS (usually port 587) or check the port (465 is the usual TLS port).':
    'الخادم في {0} لا يستخدم TLS من البايت الأول: اختر STARTTLS (عادةً المنفذ 587) أو تحقّق من المنفذ (465 هو منفذ TLS المعتاد).',
  'The server at {0} answered with something other than SMTP over TLS: check the security setting and port.':
    'أجاب الخادم في {0} بشيء غير SMTP عبر TLS: تحقّق من إعداد الأمان والمنفذ.',
  'The SMTP server at {0} did not upgrade the connection with STARTTLS{1}, so nothing was sent in clear text: choose TLS if the port is 465, or ask your mail administrator to enable STARTTLS.':
    'لم يُرقِّ خادم SMTP في {0} الاتصال باستخدام STARTTLS{1}، لذا لم يُرسل أي شيء بنص غير مشفّر: اختر TLS إن كان المنفذ 465، أو اطلب من مسؤول البريد تفعيل STARTTLS.',
  'The secure connection to {0} failed{1}: check the security setting (none, STARTTLS or TLS) and port.':
    'فشل الاتصال الآمن بـ {0}{1}: تحقّق من إعداد الأمان (بلا، أو STARTTLS، أو TLS) والمنفذ.',
  'The SMTP server at {0} closed the connection{1}: it will be retried.':
    'أغلق خادم SMTP في {0} الاتصال{1}: ستُعاد المحاولة.',
  'The connection to {0} was cut before the server answered: check the security setting and port; it will be retried.':
    'انقطع الاتصال بـ {0} قبل أن يُجيب الخادم: تحقّق من إعداد الأمان والمنفذ؛ ستُعاد المحاولة.',
  'The SMTP server refused the sender {0}{1}: use a From address this server lets you send as.':
    'رفض خادم SMTP المرسِل {0}{1}: استخدم عنوان مرسِل يسمح لك هذا الخادم بالإرسال باسمه.',
  'The SMTP server refused the recipient{0}: check the address.': 'رفض خادم SMTP المستلم{0}: تحقّق من العنوان.',
  'The SMTP server rejected the message{0}.': 'رفض خادم SMTP الرسالة{0}.',
  'The SMTP server asked to try again later{0}; Keyward will retry.':
    'طلب خادم SMTP إعادة المحاولة لاحقًا{0}؛ سيعيد Keyward المحاولة.',
  'Sending through {0} failed: {1}.': 'فشل الإرسال عبر {0}: {1}.',
  ' It answered: "{0}".': ' وكان ردّه: "{0}".',

  // desktop/
  'This request did not come from the Keyward window and was refused.': 'رُفض هذا الطلب لأنه لم يأتِ من نافذة Keyward.',
  '{0} takes one input object.': 'تأخذ العملية {0} كائن إدخال واحدًا.',
  'Pass one input object.': 'مرّر كائن إدخال واحدًا.',
  'The server process ended unexpectedly (exit code {0}). Switch the server off and on to retry.':
    'انتهت عملية الخادم على نحو غير متوقع (رمز الخروج {0}). أوقف الخادم ثم شغّله لإعادة المحاولة.',
  'This computer offers no secure storage for the SMTP password (the OS key store is unavailable), so Keyward will not save it. Leave the password empty, or run `keyward notify flush` with KEYWARD_SMTP_PASSWORD set.':
    'لا يوفّر هذا الحاسوب تخزينًا آمنًا لكلمة مرور SMTP (مخزن المفاتيح في نظام التشغيل غير متاح)، لذا لن يحفظها Keyward. اترك كلمة المرور فارغة، أو شغّل `keyward notify flush` بعد تعيين KEYWARD_SMTP_PASSWORD.',
  'No secure storage on this computer: the password cannot be saved.':
    'لا يوجد تخزين آمن على هذا الحاسوب: لا يمكن حفظ كلمة المرور.',
  'This computer offers no secure storage (the OS key store is unavailable), so Keyward will not keep the provider key. Give the key to the server as an environment variable instead (the upstream key variable).':
    'لا يوفّر هذا الحاسوب تخزينًا آمنًا (مخزن المفاتيح في نظام التشغيل غير متاح)، لذا لن يحتفظ Keyward بمفتاح المزوّد. مرّر المفتاح إلى الخادم في متغير بيئة بدلًا من ذلك (حقل متغير البيئة لمفتاح المزوّد).',
  'No secure storage on this computer: the provider key cannot be kept.':
    'لا يوجد تخزين آمن على هذا الحاسوب: لا يمكن الاحتفاظ بمفتاح المزوّد.',
  // A reason inside "Not copied: {reason}." ({0} is 10).
  "Keyward no longer holds this key's secret (it forgets it when the dialog closes, or after {0} minutes)":
    'لم يعد Keyward يحتفظ بسر هذا المفتاح (فهو ينساه عند إغلاق مربع الحوار، أو بعد {0} دقائق)',

  // server/admin.ts, server/http.ts
  'Too many failed sign-ins {0}. Wait {1} seconds, then sign in with a valid administrator key.':
    'محاولات تسجيل دخول فاشلة كثيرة جدًا {0}. انتظر {1} ثانية، ثم سجّل الدخول بمفتاح مسؤول صالح.',
  // Where the failed sign-ins came from, in the sentence above.
  'from this address': 'من هذا العنوان',
  'from all addresses together': 'من جميع العناوين مجتمعةً',
  'No admin endpoint {0}. See docs/server.md ("Admin API") for the list, or use POST /v1/admin/rpc/<operation>.':
    'لا توجد نقطة نهاية إدارية {0}. راجع docs/server.md (قسم "Admin API") للاطلاع على القائمة، أو استخدم POST /v1/admin/rpc/<operation>.',
  'Use {0} for /v1/admin{1}.': 'استخدم {0} مع /v1/admin{1}.',
  'The body must be a JSON object.': 'يجب أن يكون متن الطلب كائن JSON.',
  'Sign in with an administrator key: send the header "Authorization: Bearer kwa_…".':
    'سجّل الدخول بمفتاح مسؤول: أرسل الترويسة "Authorization: Bearer kwa_…".',
  'That key cannot sign in ({0}). Use a current administrator key (kwa_…).':
    'لا يمكن تسجيل الدخول بهذا المفتاح ({0}). استخدم مفتاح مسؤول ساريًا (kwa_…).',
  'That key was just deleted. Use a current administrator key (kwa_…).':
    'حُذف هذا المفتاح للتو. استخدم مفتاح مسؤول ساريًا (kwa_…).',
  'Standard keys (kw_…) are for models and can only be verified. The admin API needs an administrator key (kwa_…).':
    'المفاتيح العادية (kw_…) مخصّصة للنماذج ولا يمكن إلا التحقق منها. تحتاج واجهة API الإدارية إلى مفتاح مسؤول (kwa_…).',
  'The path /v1/admin{0} has a malformed percent-encoding: encode each reserved or non-ASCII byte as %XX of its UTF-8.':
    'يحتوي المسار /v1/admin{0} على ترميز نسبة مئوية (percent-encoding) غير سليم: رمّز كل بايت محجوز أو غير ASCII بالصيغة %XX من ترميز UTF-8.',
  '"{0}" belongs to the desktop app on its own machine and is not available over HTTP.':
    'العملية "{0}" خاصة بتطبيق سطح المكتب على جهازه ولا تتوفر عبر HTTP.',
  'Unknown operation "{0}".': 'عملية غير معروفة: "{0}".',
  'Unknown query parameter "{0}". Use: {1}.': 'معامل استعلام غير معروف: "{0}". استخدم: {1}.',
  '{0} must be true or false.': 'يجب أن تكون قيمة {0} إما true أو false.',
  'Give grace or graceSeconds, not both.': 'حدّد grace أو graceSeconds، لا كليهما.',
  'Grace must be a duration like 30m, 24h or 7d (or 0 for none).':
    'يجب أن تكون مهلة السماح (grace) مدةً مثل 30m أو 24h أو 7d (أو 0 بلا مهلة).',
  'The request body is too large: send at most {0} KiB of JSON.':
    'متن الطلب كبير جدًا: أرسل {0} كيلوبايت (KiB) من JSON على الأكثر.',
  'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.':
    'متن الطلب ليس JSON صالحًا. أرسل كائن JSON مع الترويسة Content-Type: application/json.',

  // desktop/registry-switch.ts, desktop/team-key-store.ts, transport/remote-table.ts (a team server)
  "The administrator key for {0} is no longer in this computer's keychain. Enter it again in Settings → Registry.":
    'لم يعد مفتاح المسؤول للخادم {0} محفوظًا في سلسلة مفاتيح هذا الحاسوب. أدخله من جديد في الإعدادات ◂ السجل.',
  '"{0}" works on this computer\'s registry only, not on a team server: switch to This computer in Settings → Registry, or use the keyward CLI.':
    'تعمل "{0}" على سجل هذا الحاسوب فقط، لا على خادم فريق: انتقل إلى «هذا الحاسوب» في الإعدادات ◂ السجل، أو استخدم واجهة CLI ‏keyward.',
  'This computer offers no secure storage (the OS key store is unavailable), so Keyward will not keep the administrator key. Use the team server from the CLI or its web console, or set up the OS key store and try again.':
    'لا يوفّر هذا الحاسوب تخزينًا آمنًا (مخزن مفاتيح نظام التشغيل غير متاح)، لذا لن يحتفظ Keyward بمفتاح المسؤول. استخدم خادم الفريق من واجهة CLI أو من وحدة التحكم على الويب، أو أعِدّ مخزن مفاتيح النظام ثم أعد المحاولة.',
  'No secure storage on this computer: the administrator key cannot be kept.':
    'لا يوجد تخزين آمن على هذا الحاسوب: لا يمكن الاحتفاظ بمفتاح المسؤول.',
  'The team server {0} cannot be reached ({1}). Check your network or VPN and that the server is running; nothing was changed. Keyward retries on its own, or switch to This computer in Settings → Registry.':
    'يتعذّر الوصول إلى خادم الفريق {0} ({1}). تحقّق من اتصالك بالشبكة أو من الشبكة الخاصة الافتراضية (VPN) ومن أن الخادم يعمل؛ لم يتغيّر أي شيء. يعيد Keyward المحاولة تلقائيًا، أو انتقل إلى «هذا الحاسوب» في الإعدادات ◂ السجل.',
  '{0} answered HTTP {1} without a Keyward answer: check that the URL is a keyward serve node (its admin API is at /v1/admin/).':
    'أجاب {0} بالرمز HTTP {1} دون ردّ من Keyward: تحقّق من أن عنوان URL يشير إلى عقدة keyward serve (واجهة API للمسؤول في ‎/v1/admin/).',
  '"{0}" is answered by the desktop app itself, not by the team server.':
    'يجيب تطبيق سطح المكتب نفسه عن "{0}"، لا خادم الفريق.',
  // Why the team server cannot be reached, in the sentence above.
  'connection refused': 'رُفض الاتصال',
  'its host name could not be found': 'تعذّر العثور على اسم مضيفه',
  'the connection was closed': 'أُغلق الاتصال',
  'it did not answer in time': 'لم يُجب في الوقت المحدد',
  'no route to it from this computer': 'لا يوجد مسار إليه من هذا الحاسوب',
  'network error': 'خطأ في الشبكة'
} satisfies CoreCatalog
