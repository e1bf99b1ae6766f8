import type { CoreCatalog } from '../translate'

/**
 * Arabic for the sentences of src/shared/schemas.ts, scan.ts, clipboard.ts and errors.ts, with the
 * short words their sentences are filled with (the bulk action in "Name at least one resource to
 * {0}", the characters a name may not hold in "Remove: {0}").
 */
export default {
  // src/shared/clipboard.ts
  'Give the id of the key the dialog shows.': 'حدّد معرّف المفتاح الذي يعرضه مربع الحوار.',
  'That is not a key id: it is too long.': 'هذا ليس معرّف مفتاح: إنه طويل جدًا.',

  // src/shared/errors.ts
  'Something went wrong inside Keyward. The change was not applied; try again, and report it if it persists.':
    'حدث خطأ داخل Keyward. لم يُطبَّق التغيير؛ حاول مرة أخرى، وأبلغ عن المشكلة إن استمرت.',

  // src/shared/scan.ts
  'Give a file or folder path.': 'حدّد مسار ملف أو مجلد.',
  'A path is at most {0} characters.': 'يجب ألا يتجاوز طول المسار {0} حرفًا.',
  'A path cannot hold a NUL character.': 'لا يمكن أن يحتوي المسار على المحرف NUL.',
  'Give the files or folders to scan.': 'حدّد الملفات أو المجلدات المراد فحصها.',
  'Give at least one file or folder to scan.': 'حدّد ملفًا أو مجلدًا واحدًا على الأقل لفحصه.',
  'Scan at most 1000 paths at once.': 'افحص 1000 مسار على الأكثر في المرة الواحدة.',
  'all is true or false.': 'يجب أن تكون قيمة all إما true أو false.',
  'Action must be disable or delete.': 'يجب أن يكون الإجراء تعطيل (disable) أو حذف (delete).',
  'Give the key id of a finding.': 'حدّد معرّف المفتاح لكل نتيجة.',
  'That is not a key id.': 'هذا ليس معرّف مفتاح.',
  'line is a number.': 'يجب أن تكون قيمة line رقمًا.',
  'line is a whole number.': 'يجب أن تكون قيمة line عددًا صحيحًا.',
  'line starts at 1.': 'تبدأ قيمة line من 1.',
  'Give the findings to act on.': 'حدّد النتائج المراد اتخاذ إجراء بشأنها.',
  'Give at least one finding to act on.': 'حدّد نتيجة واحدة على الأقل لاتخاذ إجراء بشأنها.',
  'Act on at most 10000 findings at once.': 'اتخذ إجراءً بشأن 10000 نتيجة على الأكثر في المرة الواحدة.',

  // src/shared/schemas.ts: keys
  'Choose TPM (provisioned tokens per minute) or PYG (pay-as-you-go).':
    'اختر TPM (رموز مخصّصة في الدقيقة) أو PYG (الدفع حسب الاستخدام).',
  'Kind must be standard or admin.': 'يجب أن يكون نوع المفتاح عاديًا (standard) أو مفتاح مسؤول (admin).',
  'Status must be active, disabled or expired.':
    'يجب أن تكون الحالة إحدى القيم: نشط (active)، معطّل (disabled)، منتهي الصلاحية (expired).',
  'Status must be active or inactive.': 'يجب أن تكون الحالة إحدى القيمتين: نشط (active) أو غير نشط (inactive).',
  'Name is required.': 'الاسم مطلوب.',
  'Name is required: use 1 to 64 letters and digits.': 'الاسم مطلوب: استخدم من 1 إلى 64 من الأحرف والأرقام.',
  'Name may contain only letters (A-Z, a-z) and digits (0-9), no spaces or special characters. Remove: {0}.':
    'لا يمكن أن يحتوي الاسم إلا على أحرف (A-Z، a-z) وأرقام (0-9)، دون مسافات أو رموز خاصة. أزِل: {0}.',
  space: 'المسافة',
  whitespace: 'المسافة البيضاء',
  'Name is {0} characters long; use at most {1}.': 'عدد أحرف الاسم {0}؛ استخدم {1} على الأكثر.',
  '{0} must be text.': 'يجب أن تكون قيمة {0} نصًا.',
  '{0} is too long: use at most {1} characters.': 'قيمة {0} طويلة جدًا: استخدم {1} حرف على الأكثر.',
  '{0} contains control characters; remove them.': 'تحتوي قيمة {0} على محارف تحكم؛ أزِلها.',
  '{0} must be a single line.': 'يجب أن تكون قيمة {0} سطرًا واحدًا.',
  'App ID must be text.': 'يجب أن يكون معرّف التطبيق نصًا.',
  'App ID (x-app-name) has leading or trailing spaces; remove them. It is compared exactly.':
    'يحتوي معرّف التطبيق (x-app-name) على مسافات في بدايته أو نهايته؛ أزِلها. فهو يُقارَن حرفًا بحرف.',
  'App ID (x-app-name) is too long: use at most 100 characters.':
    'معرّف التطبيق (x-app-name) طويل جدًا: استخدم 100 حرف على الأكثر.',
  'App ID (x-app-name) contains control characters; use the exact header value.':
    'يحتوي معرّف التطبيق (x-app-name) على محارف تحكم؛ استخدم قيمة الترويسة كما هي تمامًا.',
  'Notify via Email must be text.': 'يجب أن تكون قيمة «الإشعار عبر البريد الإلكتروني» نصًا.',
  'Notify via Email must be one valid email address, like name@example.com.':
    'يجب أن تكون قيمة «الإشعار عبر البريد الإلكتروني» عنوان بريد إلكتروني واحدًا صالحًا، مثل name@example.com.',
  'Expires must be a date like 2027-01-31 or 2027-01-31T12:00:00Z.':
    'يجب أن يكون تاريخ الانتهاء تاريخًا مثل 2027-01-31 أو 2027-01-31T12:00:00Z.',
  'Name the key by its id or name.': 'حدّد المفتاح بمعرّفه أو باسمه.',
  'Name the resource by its id or as MODEL:TYPE, e.g. gpt-4o:TPM.':
    'حدّد المورد بمعرّفه أو بالصيغة MODEL:TYPE (النموذج:النوع)، مثل gpt-4o:TPM.',
  'Resources must be a list.': 'يجب أن تكون الموارد قائمة.',
  'Assign at most 500 resources at once.': 'عيّن 500 مورد على الأكثر في المرة الواحدة.',
  'Only name, department, project, environment, requestor, appId, justification, notes, notifyEmail and expiresAt can be edited.':
    'لا يمكن تعديل سوى هذه الحقول: name، department، project، environment، requestor، appId، justification، notes، notifyEmail، expiresAt.',
  'Sort by name, createdAt, lastUsedAt or expiresAt.': 'رتّب حسب أحد الحقول: name، createdAt، lastUsedAt، expiresAt.',
  'Search text is too long: use at most 200 characters.': 'نص البحث طويل جدًا: استخدم 200 حرف على الأكثر.',
  'Expiring within must be a number of days.': 'يجب أن تكون مدة «ينتهي خلال» عددًا من الأيام.',
  'Expiring within must be a whole number of days.': 'يجب أن تكون مدة «ينتهي خلال» عددًا صحيحًا من الأيام.',
  'Expiring within must be 0 or more days.': 'يجب ألا تقل مدة «ينتهي خلال» عن 0 يوم.',
  'Limit must be a number.': 'يجب أن يكون الحد رقمًا.',
  'Limit must be a whole number.': 'يجب أن يكون الحد عددًا صحيحًا.',
  'Limit must be at least 1.': 'يجب أن يكون الحد 1 على الأقل.',
  'Limit must be at most 1000.': 'يجب أن يكون الحد 1000 على الأكثر.',
  'Offset must be a number.': 'يجب أن تكون الإزاحة (offset) رقمًا.',
  'Offset must be a whole number.': 'يجب أن تكون الإزاحة (offset) عددًا صحيحًا.',
  'Offset must be 0 or more.': 'يجب أن تكون الإزاحة (offset) 0 أو أكثر.',

  // src/shared/schemas.ts: bulk actions
  'Action must be disable, enable, delete, assign, unassign or set.':
    'يجب أن يكون الإجراء أحد ما يلي: تعطيل (disable)، تفعيل (enable)، حذف (delete)، تعيين (assign)، إلغاء التعيين (unassign)، ضبط (set).',
  'Unknown filter {0}: filter by departments, projects, environment, status, resource, search or expiringWithinDays.':
    'عامل التصفية {0} غير معروف؛ صفِّ حسب أحد هذه: departments، projects، environment، status، resource، search، expiringWithinDays.',
  'Filters must be an object, e.g. {"status": "expired"} ({} selects every key).':
    'يجب أن تكون عوامل التصفية (filters) كائنًا، مثل {"status": "expired"} (والكائن {} يحدد كل المفاتيح).',
  'Set may change department, project, environment and expiresAt only.':
    'لا يغيّر set إلا هذه الحقول: department، project، environment، expiresAt.',
  'Set must be an object, e.g. {"department": "Finance"}.': 'يجب أن يكون set كائنًا، مثل {"department": "Finance"}.',
  'Keys must be a list of key ids or names.': 'يجب أن تكون المفاتيح قائمة بمعرّفات المفاتيح أو أسمائها.',
  'Name at least one key.': 'حدّد مفتاحًا واحدًا على الأقل.',
  'Name at most 100000 keys at once; select by filters for more.':
    'حدّد 100000 مفتاح على الأكثر في المرة الواحدة؛ ولأكثر من ذلك حدّد المفاتيح بعوامل التصفية.',
  'dryRun must be true or false.': 'يجب أن تكون قيمة dryRun إما true أو false.',
  'Unknown field {0}: give action, filters or keys, resources, set and dryRun.':
    'الحقل {0} غير معروف؛ الحقول المقبولة: action، وfilters أو keys، وresources، وset، وdryRun.',
  'Select the keys by filters or by keys, not both.': 'حدّد المفاتيح إما عبر filters أو عبر keys، وليس كليهما.',
  'Select the keys: give filters as keys.list takes them ({} for every key), or keys.':
    'حدّد المفاتيح: أعطِ filters كما يقبلها keys.list (والكائن {} لكل المفاتيح)، أو keys.',
  'Name at least one resource to {0}, e.g. gpt-4o:TPM.': 'حدّد موردًا واحدًا على الأقل للإجراء «{0}»، مثل gpt-4o:TPM.',
  assign: 'تعيين',
  unassign: 'إلغاء التعيين',
  'Resources are for assign and unassign only.':
    'الموارد (resources) للإجراءين تعيين (assign) وإلغاء التعيين (unassign) فقط.',
  'Give at least one of department, project, environment or expiresAt to set.':
    'حدّد حقلًا واحدًا على الأقل لضبطه من: department، project، environment، expiresAt.',
  'Set is for the set action only.': 'الحقل set خاص بالإجراء ضبط (set) فقط.',

  // src/shared/schemas.ts: export and import
  'Format must be csv or json.': 'يجب أن تكون الصيغة csv أو json.',
  'withHashes must be true or false.': 'يجب أن تكون قيمة withHashes إما true أو false.',
  "Text must be the file's content (CSV or JSON).": 'يجب أن يكون النص محتوى الملف (CSV أو JSON).',
  'The file is too large to import at once: split it into files under 100 MB.':
    'الملف أكبر من أن يُستورد دفعة واحدة: قسّمه إلى ملفات أصغر من 100 ميغابايت.',
  'skipInvalid must be true or false.': 'يجب أن تكون قيمة skipInvalid إما true أو false.',
  'Unknown field {0}: give text, format, dryRun and skipInvalid.':
    'الحقل {0} غير معروف؛ الحقول المقبولة: text، format، dryRun، skipInvalid.',

  // src/shared/schemas.ts: rotate, verify, resources
  'Grace must be a number of seconds.': 'يجب أن تكون مهلة السماح عددًا من الثواني.',
  'Grace must be whole seconds.': 'يجب أن تكون مهلة السماح عددًا صحيحًا من الثواني.',
  'Grace cannot be negative.': 'لا يمكن أن تكون مهلة السماح سالبة.',
  'Grace may be at most a year.': 'لا يمكن أن تتجاوز مهلة السماح سنة واحدة.',
  'Give the key to verify.': 'أدخل المفتاح المراد التحقق منه.',
  'That is not a Keyward key: it is far too long.': 'هذا ليس مفتاح Keyward: إنه أطول بكثير من اللازم.',
  'Model is required.': 'النموذج مطلوب.',
  'Model is required: give the model name, e.g. gpt-4o.': 'النموذج مطلوب: أدخل اسم النموذج، مثل gpt-4o.',
  'Model is too long: use at most 100 characters.': 'اسم النموذج طويل جدًا: استخدم 100 حرف على الأكثر.',
  'Model has leading or trailing spaces; remove them.': 'يحتوي اسم النموذج على مسافات في بدايته أو نهايته؛ أزِلها.',
  'Model contains control characters; remove them.': 'يحتوي اسم النموذج على محارف تحكم؛ أزِلها.',
  'TPM limit must be a number of tokens per minute.': 'يجب أن يكون حد TPM عددًا من الرموز في الدقيقة.',
  'TPM limit must be a whole number of tokens per minute.': 'يجب أن يكون حد TPM عددًا صحيحًا من الرموز في الدقيقة.',
  'TPM limit must be a positive number of tokens per minute.': 'يجب أن يكون حد TPM عددًا موجبًا من الرموز في الدقيقة.',
  'TPM limit is implausibly large.': 'حد TPM كبير إلى حد غير معقول.',

  // src/shared/schemas.ts: upstreams
  'Upstream URL must be text, e.g. https://api.openai.com/v1.':
    'يجب أن يكون عنوان URL للخادم الأصلي (upstream) نصًا، مثل https://api.openai.com/v1.',
  'Upstream URL is too long: use at most {0} characters.':
    'عنوان URL للخادم الأصلي (upstream) طويل جدًا: استخدم {0} حرف على الأكثر.',
  'Upstream URL contains spaces or control characters; remove them.':
    'يحتوي عنوان URL للخادم الأصلي (upstream) على مسافات أو محارف تحكم؛ أزِلها.',
  'Upstream URL is not a URL: give the base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:8000/v1.':
    'عنوان URL للخادم الأصلي (upstream) ليس عنوان URL صالحًا: أدخل عنوان URL الأساسي، مثل https://api.openai.com/v1 أو http://127.0.0.1:8000/v1.',
  'Upstream URL must start with http:// or https://, e.g. https://api.openai.com/v1.':
    'يجب أن يبدأ عنوان URL للخادم الأصلي (upstream) بـ http:// أو https://، مثل https://api.openai.com/v1.',
  'Upstream URL must not hold a user name or password (user:pass@): remove it, and give the provider credential as an environment variable name (or, in the desktop app, as the provider key).':
    'يجب ألا يحتوي عنوان URL للخادم الأصلي (upstream) على اسم مستخدم أو كلمة مرور (user:pass@): أزِلهما، وأعطِ بيانات اعتماد المزوّد باسم متغير بيئة (أو، في تطبيق سطح المكتب، كمفتاح المزوّد).',
  'Upstream URL must not have a query (?…) or fragment (#…): give the base URL only, e.g. https://api.openai.com/v1.':
    'يجب ألا يحتوي عنوان URL للخادم الأصلي (upstream) على استعلام (?…) أو جزء (#…): أدخل عنوان URL الأساسي فقط، مثل https://api.openai.com/v1.',
  'Upstream model must be text.': 'يجب أن يكون نموذج الخادم الأصلي (upstream) نصًا.',
  'Upstream model is too long: use at most 100 characters.':
    'اسم نموذج الخادم الأصلي (upstream) طويل جدًا: استخدم 100 حرف على الأكثر.',
  'Upstream model has leading or trailing spaces; remove them.':
    'يحتوي اسم نموذج الخادم الأصلي (upstream) على مسافات في بدايته أو نهايته؛ أزِلها.',
  'Upstream model contains control characters; remove them.':
    'يحتوي اسم نموذج الخادم الأصلي (upstream) على محارف تحكم؛ أزِلها.',
  'Upstream key variable must be text.': 'يجب أن يكون متغير مفتاح المزوّد نصًا.',
  'Upstream key variable must be the NAME of an environment variable of the server (letters, digits and _, not starting with a digit; at most 128), e.g. OPENAI_API_KEY; never the key itself.':
    'يجب أن يكون متغير مفتاح المزوّد اسمَ متغير بيئة على الخادم (أحرف وأرقام و_، ولا يبدأ برقم؛ 128 حرفًا على الأكثر)، مثل OPENAI_API_KEY؛ وليس المفتاح نفسه أبدًا.',
  'A TPM resource needs a TPM limit: the tokens per minute it provisions.':
    'يحتاج مورد TPM إلى حد TPM: عدد الرموز في الدقيقة التي يخصّصها.',
  'A PYG (pay-as-you-go) resource takes no TPM limit; leave it empty.':
    'لا يأخذ مورد PYG (الدفع حسب الاستخدام) حد TPM؛ اتركه فارغًا.',
  '{0} needs an upstream URL: give the upstream URL too, or leave it empty.':
    'يحتاج {0} إلى عنوان URL للخادم الأصلي: أدخل عنوان URL للخادم الأصلي أيضًا، أو اتركه فارغًا.',
  'Provider key must be text, or null to forget it.': 'يجب أن يكون مفتاح المزوّد نصًا، أو null لنسيانه.',
  'Provider key is too long: use at most 4096 characters.': 'مفتاح المزوّد طويل جدًا: استخدم 4096 حرفًا على الأكثر.',
  'Provider key contains control characters or line breaks; paste the key alone.':
    'يحتوي مفتاح المزوّد على محارف تحكم أو فواصل أسطر؛ الصق المفتاح وحده.',
  'TPM pool must be a number of tokens per minute, or empty for no pool.':
    'يجب أن يكون مجمّع TPM عددًا من الرموز في الدقيقة، أو فارغًا لعدم استخدام مجمّع.',
  'TPM pool must be a whole number.': 'يجب أن يكون مجمّع TPM عددًا صحيحًا.',
  'TPM pool must be positive, or empty for no pool.': 'يجب أن يكون مجمّع TPM عددًا موجبًا، أو فارغًا لعدم استخدام مجمّع.',

  // src/shared/schemas.ts: the registry (Settings → Registry)
  'Give the team server as http(s)://HOST:PORT, e.g. https://keys.example.com or http://10.0.0.5:8787.':
    'اكتب عنوان خادم الفريق بالصيغة http(s)://HOST:PORT، مثل https://keys.example.com أو http://10.0.0.5:8787.',
  'The server URL is too long: use at most 2000 characters.': 'عنوان URL للخادم طويل جدًا: استخدم 2000 حرف على الأكثر.',
  'Registry must be local (this computer) or team (a server URL).':
    'يجب أن يكون السجل محليًا (هذا الحاسوب) أو سجل فريق (عنوان URL لخادم).',
  'Give the administrator key (kwa_…) of the team server.': 'أدخل مفتاح المسؤول (kwa_…) لخادم الفريق.',
  'An administrator key is 53 characters (kwa_…): check what was pasted.':
    'يتكوّن مفتاح المسؤول من 53 حرفًا (kwa_…): تحقّق مما لصقته.',
  // src/shared/schemas.ts: usage, settings, email, demo, files
  'Interval must be per_minute, per_hour or per_day.':
    'يجب أن تكون الفترة إحدى القيم: لكل دقيقة (per_minute)، لكل ساعة (per_hour)، لكل يوم (per_day).',
  'Give a date like 2026-11-01 or 2026-11-01T00:00:00Z.': 'أدخل تاريخًا مثل 2026-11-01 أو 2026-11-01T00:00:00Z.',
  'Theme must be system, light or dark.':
    'يجب أن تكون السمة إحدى القيم: اتباع النظام (system)، فاتح (light)، داكن (dark).',
  'Language must be system, en or ar.':
    'يجب أن تكون اللغة إحدى القيم: اتباع النظام (system)، الإنجليزية (en)، العربية (ar).',
  'Clear after must be a number of seconds.': 'يجب أن تكون مدة «المسح بعد» عددًا من الثواني.',
  'Use whole seconds.': 'استخدم عددًا صحيحًا من الثواني.',
  'Use 0 (never) or more seconds.': 'استخدم 0 (أبدًا) أو أكثر من الثواني.',
  'Use at most 3600 seconds.': 'استخدم 3600 ثانية على الأكثر.',
  'Port must be a number.': 'يجب أن يكون المنفذ رقمًا.',
  'Port must be a whole number.': 'يجب أن يكون المنفذ عددًا صحيحًا.',
  'Use a port from 1024 to 65535.': 'استخدم منفذًا من 1024 إلى 65535.',
  'Gateway must be on (true) or off (false).': 'يجب أن تكون البوابة مفعّلة (true) أو معطّلة (false).',
  'Security must be none, starttls or tls.':
    'يجب أن يكون الأمان إحدى القيم: بلا (none)، STARTTLS (starttls)، TLS (tls).',
  'SMTP host is required.': 'مضيف SMTP مطلوب.',
  'SMTP host is required, e.g. smtp.example.com.': 'مضيف SMTP مطلوب، مثل smtp.example.com.',
  'SMTP port must be a number.': 'يجب أن يكون منفذ SMTP رقمًا.',
  'SMTP port must be a whole number.': 'يجب أن يكون منفذ SMTP عددًا صحيحًا.',
  'SMTP port must be 1 to 65535.': 'يجب أن يكون منفذ SMTP من 1 إلى 65535.',
  'From must be one valid email address, like keyward@example.com.':
    'يجب أن يكون عنوان المرسِل عنوان بريد إلكتروني واحدًا صالحًا، مثل keyward@example.com.',
  'Status must be pending, sending, sent or failed.':
    'يجب أن تكون الحالة إحدى القيم: قيد الانتظار (pending)، قيد الإرسال (sending)، أُرسل (sent)، فشل (failed).',
  'Give the outbox message id.': 'حدّد معرّف الرسالة في صندوق الصادر.',
  'Give one valid email address to send the test to.': 'أدخل عنوان بريد إلكتروني واحدًا صالحًا لإرسال الاختبار إليه.',
  'Give how many demo keys to create.': 'حدّد عدد المفاتيح التجريبية المراد إنشاؤها.',
  'Use a whole number of keys.': 'استخدم عددًا صحيحًا من المفاتيح.',
  'Create at least 1 demo key.': 'أنشئ مفتاحًا تجريبيًا واحدًا على الأقل.',
  'Create at most 5000 demo keys from the app; use "keyward seed-demo" for more.':
    'أنشئ 5000 مفتاح تجريبي على الأكثر من التطبيق؛ ولأكثر من ذلك استخدم "keyward seed-demo".',
  'Export kind must be keys, audit or usage.':
    'يجب أن يكون نوع التصدير إحدى القيم: المفاتيح (keys)، سجل التدقيق (audit)، الاستخدام (usage).',
  'Choose the file to import first.': 'اختر الملف المراد استيراده أولًا.',
  'A hash is the SHA-256 of a secret, as 64 hex digits.': 'البصمة هي SHA-256 لسرّ ما، في 64 خانة ست عشرية.',
  'A hash is the SHA-256 of a secret, as 64 lowercase hex digits.':
    'البصمة هي SHA-256 لسرّ ما، في 64 خانة ست عشرية بأحرف صغيرة.',
  'Give the hashes to look up.': 'أدخل البصمات المراد البحث عنها.',
  'Look up at most 10000 hashes at once.': 'ابحث عن 10000 بصمة على الأكثر في المرة الواحدة.'
} satisfies CoreCatalog
