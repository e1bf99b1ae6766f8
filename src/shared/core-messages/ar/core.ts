import type { CoreCatalog } from '../translate'

/** Arabic for the sentences of src/main/core/*.ts, then the words that fill their placeholders. */
export default {
  // assignments.ts
  '{0} is an administrator key; administrator keys take no resources.':
    '{0} مفتاح مسؤول؛ ومفاتيح المسؤول لا تُعيَّن لها موارد.',
  'Administrator keys take no resources.': 'مفاتيح المسؤول لا تُعيَّن لها موارد.',
  // audit-export.ts
  'Line {0} is not valid JSON: the export was damaged or cut off there.':
    'السطر {0} ليس JSON صالحًا: تلف ملف التصدير أو انقطع عنده.',
  'Line {0} is an end line before the last line: lines were added after it.':
    'السطر {0} سطر ختام يسبق السطر الأخير: أُضيفت أسطر بعده.',
  'Line {0} is not an audit entry (seq, at, actor, action, targetId, targetName, details, prevHash, hash).':
    'السطر {0} ليس إدخالًا من سجل التدقيق (seq، at، actor، action، targetId، targetName، details، prevHash، hash).',
  'Entry {0} is missing (line {1} holds entry {2}): entries were removed or reordered.':
    'الإدخال {0} مفقود (السطر {1} يحمل الإدخال {2}): حُذفت إدخالات أو تغيّر ترتيبها.',
  'Line {0} holds entry {1} where entry {2} belongs: entries were reordered or repeated.':
    'السطر {0} يحمل الإدخال {1} في موضع الإدخال {2}: تغيّر ترتيب الإدخالات أو تكرّرت.',
  'Entry {0} does not link to the entry before it: the chain was broken there.':
    'الإدخال {0} لا يرتبط بالإدخال الذي قبله: انقطعت السلسلة عنده.',
  'Entry {0} (line {1}) was edited: its content no longer matches its hash.':
    'عُدِّل الإدخال {0} (السطر {1}): لم يعد محتواه يطابق تجزئته.',
  'The export has no end line: it was cut off after {0} {1}, or the end line was removed.':
    'ليس لملف التصدير سطر ختام: انقطع بعد {0} {1}، أو حُذف سطر الختام.',
  'The export ends at entry {0} but its end line says {1}: entries were cut off the end.':
    'ينتهي ملف التصدير عند الإدخال {0} لكن سطر الختام يذكر {1}: اقتُطعت إدخالات من نهايته.',
  'The export has {0} entries but its end line says {1}: entries were added after it.':
    'في ملف التصدير {0} من الإدخالات لكن سطر الختام يذكر {1}: أُضيفت إليه إدخالات بعد كتابته.',
  'Entry {0} does not match the head in the end line: the last entry was replaced.':
    'الإدخال {0} لا يطابق الرأس المذكور في سطر الختام: استُبدل الإدخال الأخير.',
  // audit.ts
  'No key "{0}" exists or ever existed. Check the name or id.':
    'لا يوجد مفتاح "{0}" ولم يوجد قط. تحقّق من الاسم أو المعرّف.',
  'No such key.': 'لا يوجد مفتاح كهذا.',
  // backup.ts
  'There is no registry at {0} to back up. Check --db or KEYWARD_DB.':
    'لا يوجد سجل في {0} لنسخه احتياطيًا. تحقّق من --db أو KEYWARD_DB.',
  'That is the registry itself (or one of its files): choose another path.':
    'هذا هو السجل نفسه (أو أحد ملفاته): اختر مسارًا آخر.',
  '{0} already exists. Choose another name, or pass --force to replace it.':
    '{0} موجود بالفعل. اختر اسمًا آخر، أو مرّر --force لاستبداله.',
  '{0} does not exist.': '{0} غير موجود.',
  '{0} is not a file.': '{0} ليس ملفًا.',
  '{0} cannot be opened ({1}).': 'تعذّر فتح {0} ({1}).',
  '{0} is not an SQLite database: it is not a Keyward backup.':
    '{0} ليس قاعدة بيانات SQLite: فهو ليس نسخة احتياطية من Keyward.',
  '{0} is damaged ({1}): it cannot be restored.': '{0} تالف ({1}): لا يمكن استعادته.',
  "{0} is damaged: SQLite's integrity check found {1} ({2}). It cannot be restored.":
    '{0} تالف: وجد فحص السلامة في SQLite {1} ({2}). لا يمكن استعادته.',
  '{0} was written by a newer version of Keyward (schema {1}; this version knows up to {2}). Update Keyward to restore it.':
    'كتب {0} إصدارٌ أحدث من Keyward (المخطط {1}؛ وهذا الإصدار يعرف حتى {2}). حدّث Keyward لاستعادته.',
  'The audit chain in {0} is broken at entry {1} (of {2}): the backup was tampered with or damaged. It cannot be restored.':
    'سلسلة التدقيق في {0} منقطعة عند الإدخال {1} (من {2}): تم العبث بالنسخة الاحتياطية أو تلفت. لا يمكن استعادتها.',
  'That is the registry itself: choose a backup file.': 'هذا هو السجل نفسه: اختر ملف نسخة احتياطية.',
  '{0} already exists: it would not be overwritten.': '{0} موجود بالفعل: لن يُكتب فوقه.',
  'The registry as it was before is kept at {0}.': 'حُفظ السجل كما كان من قبل في {0}.',
  'The registry was not replaced.': 'لم يُستبدل السجل.',
  'The folder {0} does not exist.': 'المجلد {0} غير موجود.',
  '{0} Nothing was changed.': '{0} لم يتغيّر شيء.',
  'it has no Keyward schema version (PRAGMA user_version is 0).':
    'ليس فيه إصدار مخطط Keyward (قيمة PRAGMA user_version هي 0).',
  '{0} is missing.': '{0} مفقود.',
  '{0} differs from the schema Keyward {1} creates.': '{0} يختلف عن المخطط {1} الذي ينشئه Keyward.',
  'it has {0}, which Keyward does not create.': 'فيه {0}، وهو ما لا ينشئه Keyward.',
  "its page size ({0} bytes) differs from the registry's at {1} ({2} bytes), which SQLite cannot restore in place.":
    'حجم صفحته ({0} بايت) يختلف عن حجم صفحة السجل في {1} ({2} بايت)، ولا يستطيع SQLite الاستعادة في المكان نفسه مع هذا الاختلاف.',
  "The backup failed SQLite's integrity check ({0}); the registry itself may be damaged. No backup was written.":
    'لم تجتز النسخة الاحتياطية فحص السلامة في SQLite ({0})؛ وقد يكون السجل نفسه تالفًا. لم تُكتب أي نسخة احتياطية.',
  // bulk.ts
  'Stopped after {0} of {1} keys: {2} The {3} changed before the stop stay changed, each with its audit entry ({4}{5}); nothing else was changed. Run the same action again to finish it: keys already changed count as matched, not changed.':
    'توقّف التنفيذ بعد تغيير {0} من أصل {1} من المفاتيح: {2} وتبقى المفاتيح التي تغيّرت قبل التوقف ({4}{5}) متغيّرة، ولكلٍّ منها إدخاله في سجل التدقيق؛ ولم يتغيّر شيء آخر. شغّل الإجراء نفسه مرة أخرى لإكماله: المفاتيح التي تغيّرت بالفعل تُحتسب مطابِقة لا متغيّرة.',
  'Changed before the stop: {0}{1}.': 'تغيّرت قبل التوقف: {0}{1}.',
  'Nothing was changed: {0} cannot take {1}: {2}{3}. A key uses a model under one resource type only, and administrator keys take no resources. Narrow the selection, or unassign the other type first.':
    'لم يتغيّر شيء: لا يمكن تعيين {1} لهذه المفاتيح: {2}{3}. يستخدم المفتاح النموذج ضمن نوع مورد واحد فقط، ومفاتيح المسؤول لا تُعيَّن لها موارد. ضيّق التحديد، أو ألغِ تعيين النوع الآخر أولًا.',
  'Refused for {0}{1}.': 'رُفض التغيير لهذه المفاتيح: {0}{1}.',
  'Expires must be in the future (it is now {0}).': 'يجب أن يكون تاريخ الانتهاء في المستقبل (الوقت الآن {0}).',
  // demo.ts
  'Give a whole number of keys from 0 to {0}.': 'أدخل عددًا صحيحًا من المفاتيح من 0 إلى {0}.',
  // import.ts
  'imported (sha256)': 'مستورد (sha256)',
  'Starts with "{0}", which a spreadsheet runs as a formula. If it is meant as text, start it with an apostrophe (\').':
    'يبدأ بـ"{0}"، وهو ما يشغّله جدول البيانات كصيغة. إن كان المقصود نصًّا، فابدأه بفاصلة عليا (\').',
  'Not readable as CSV ({0}{1}): check the quotes and separators.':
    'تتعذّر قراءته بصيغة CSV ({0}{1}): تحقّق من علامات الاقتباس والفواصل.',
  'The file is empty: it needs a header row (name, …) and one row per key.':
    'الملف فارغ: يحتاج إلى صف عناوين (name، …) وصف لكل مفتاح.',
  'Unknown column "{0}": use {1} (name is required).': 'عمود غير معروف "{0}": استخدم {1} (العمود name مطلوب).',
  'Column "{0}" appears twice: keep one.': 'العمود "{0}" مكرّر: أبقِ واحدًا فقط.',
  'The header has no "name" column: every key needs a name.':
    'لا يحتوي صف العناوين على عمود "name": كل مفتاح يحتاج إلى اسم.',
  'Has {0} cells; the header has {1}.': 'يحتوي على {0} من الخلايا، بينما يحتوي صف العناوين على {1}.',
  'Not readable as JSON{0}: check the file is complete JSON.':
    'تتعذّر قراءته بصيغة JSON{0}: تحقّق من أن الملف JSON كامل.',
  'Format "{0}" is not one Keyward reads: use {1}.': 'الصيغة "{0}" ليست مما يقرؤه Keyward: استخدم {1}.',
  'Give a list of keys: {"keys": [...]} as keys export writes it, or a bare [...].':
    'أعطِ قائمة مفاتيح: {"keys": [...]} كما يكتبها keys export، أو [...] مجرّدة.',
  'Each key must be an object, e.g. {"name": "Billing", "sha256": "…"}.':
    'يجب أن يكون كل مفتاح كائنًا، مثل {"name": "Billing", "sha256": "…"}.',
  'Unknown field "{0}": use {1}.': 'حقل غير معروف "{0}": استخدم {1}.',
  '"{0}" is also the name in row {1}: names are unique, ignoring case.':
    '"{0}" هو أيضًا الاسم في الصف {1}: الأسماء فريدة بصرف النظر عن حالة الأحرف.',
  'The same secret hash is also in row {0}: a secret belongs to one key.':
    'تجزئة السر نفسها موجودة أيضًا في الصف {0}: السر يخص مفتاحًا واحدًا.',
  'A key named "{0}" already exists in this registry: rename the row or the key.':
    'يوجد بالفعل مفتاح باسم "{0}" في هذا السجل: غيّر اسم الصف أو المفتاح.',
  'This secret already belongs to a key in this registry.': 'هذا السر يخص بالفعل مفتاحًا في هذا السجل.',
  'This secret belonged to a key deleted from this registry (it verifies as REVOKED): it cannot be imported again.':
    'كان هذا السر يخص مفتاحًا حُذف من هذا السجل (نتيجة التحقق منه REVOKED): لا يمكن استيراده مرة أخرى.',
  'Invalid value.': 'قيمة غير صالحة.',
  'Hint must be text.': 'يجب أن يكون التلميح نصًّا.',
  'Give secretHashes (a Keyward export) or sha256 (another system), not both.':
    'أعطِ secretHashes (تصدير من Keyward) أو sha256 (من نظام آخر)، لا كليهما.',
  'A key with Keyward secret hashes needs its Keyward hint (like kw_AbCd…WxYz), as keys export writes it.':
    'المفتاح ذو تجزئات أسرار Keyward يحتاج إلى تلميح Keyward الخاص به (مثل kw_AbCd…WxYz)، كما يكتبه keys export.',
  'sha256 must be the 64 hex digits of the SHA-256 of the secret.':
    'يجب أن يكون sha256 هو الأرقام الست عشرية الـ64 لقيمة SHA-256 للسر.',
  'Hint must be one line of at most 64 characters.': 'يجب أن يكون التلميح سطرًا واحدًا من 64 حرفًا على الأكثر.',
  'The hint is the whole secret: give only a few characters of it (e.g. sk-…AbCd).':
    'التلميح هو السر كاملًا: أعطِ بضعة أحرف منه فقط (مثل sk-…AbCd).',
  "A key imported by another system's hash must be a standard key: administrator keys need a kwa_ secret.":
    'المفتاح المستورد بتجزئة من نظام آخر يجب أن يكون مفتاحًا عاديًا: مفاتيح المسؤول تحتاج إلى سر يبدأ بـ kwa_.',
  'No resource {0} in this registry: add it first (keyward resources add) or remove it from the row.':
    'لا يوجد المورد {0} في هذا السجل: أضفه أولًا (keyward resources add) أو أزله من الصف.',
  'Cannot hold {0} under both {1} and {2}: a key may use a model under one resource type only.':
    'لا يمكن حمل {0} ضمن {1} و{2} معًا: يمكن للمفتاح استخدام النموذج ضمن نوع مورد واحد فقط.',
  'Administrator keys take no resources: remove them or make the key standard.':
    'مفاتيح المسؤول لا تُعيَّن لها موارد: أزل الموارد أو اجعل المفتاح عاديًا.',
  'Expires must be in the future for a new key (it is now {0}).':
    'يجب أن يكون تاريخ الانتهاء في المستقبل للمفتاح الجديد (الوقت الآن {0}).',
  '{0} must be a date like 2026-01-31T12:00:00.000Z.': 'يجب أن يكون {0} تاريخًا مثل 2026-01-31T12:00:00.000Z.',
  '{0} is in the future (it is now {1}).': '{0} في المستقبل (الوقت الآن {1}).',
  'Each resource is MODEL:TYPE (e.g. gpt-4o:TPM) or {"model", "type"}.':
    'كل مورد يُكتب MODEL:TYPE (مثل gpt-4o:TPM) أو {"model", "type"}.',
  'Resources must be MODEL:TYPE entries separated by ";" (CSV) or a list (JSON).':
    'يجب أن تكون الموارد عناصر MODEL:TYPE يفصل بينها ";" (CSV) أو قائمة (JSON).',
  'secretHashes must be as keys export --with-hashes writes them.':
    'يجب أن تكون secretHashes كما يكتبها keys export --with-hashes.',
  'Each secret hash must be 64 hex digits (SHA-256), as keys export --with-hashes writes it.':
    'يجب أن تكون كل تجزئة سر 64 رقمًا ست عشريًا (SHA-256)، كما يكتبها keys export --with-hashes.',
  'The retirement date after "@" must be a date like 2026-01-31T12:00:00.000Z.':
    'يجب أن يكون تاريخ الإيقاف بعد "@" تاريخًا مثل 2026-01-31T12:00:00.000Z.',
  'No secret hash given.': 'لم تُعطَ أي تجزئة سر.',
  'A later part of the import failed; the keys it had written were removed.':
    'فشل جزء لاحق من الاستيراد؛ وأُزيلت المفاتيح التي كان قد كتبها.',
  // key-rows.ts
  'No key "{0}". Name it by its id or name; list keys with "keys list".':
    'لا يوجد مفتاح "{0}". حدّده بمعرّفه أو اسمه؛ واعرض المفاتيح بالأمر "keys list".',
  'No key "{0}".': 'لا يوجد مفتاح "{0}".',
  'A key named "{0}" already exists (names are unique, ignoring case). Choose another name.':
    'يوجد بالفعل مفتاح باسم "{0}" (الأسماء فريدة بصرف النظر عن حالة الأحرف). اختر اسمًا آخر.',
  '"{0}" is taken.': 'الاسم "{0}" مستخدم.',
  // keys.ts
  'Administrator keys take no resources: they manage the registry, not models. Remove the resources or make a standard key.':
    'مفاتيح المسؤول لا تُعيَّن لها موارد: فهي تدير السجل لا النماذج. أزل الموارد أو أنشئ مفتاحًا عاديًا.',
  // outbox.ts
  'The previous attempt was interrupted (Keyward stopped while sending); it will be retried.':
    'انقطعت المحاولة السابقة (توقف Keyward أثناء الإرسال)؛ وستُعاد المحاولة.',
  'Message {0} was already delivered at {1}; it is not sent twice.':
    'سُلِّمت الرسالة {0} بالفعل في {1}؛ ولا تُرسل الرسالة مرتين.',
  'No outbox message {0}. List them with "keyward notify outbox" or the Outbox screen.':
    'لا توجد رسالة {0} في صندوق الصادر. اعرض الرسائل بالأمر "keyward notify outbox" أو من شاشة صندوق الصادر.',
  'No outbox message {0}.': 'لا توجد رسالة {0} في صندوق الصادر.',
  'Message {0} is being sent right now, so it cannot be {1}. Wait a moment and look at the outbox again.':
    'الرسالة {0} قيد الإرسال الآن، لذا لا يمكن {1}. انتظر لحظة ثم انظر إلى صندوق الصادر مجددًا.',
  // pool.ts
  "TPM resources already provision {0} tokens per minute, more than a pool of {1}. Set a pool of at least {2}, or lower the resources' TPM limits first.":
    'موارد TPM توفّر بالفعل {0} من الرموز في الدقيقة، وهذا أكثر من مجمّع قدره {1}. اضبط مجمّعًا لا يقل عن {2}، أو اخفض حدود TPM للموارد أولًا.',
  'Must be at least {0}, the TPM already assigned.': 'يجب ألا يقل عن {0}، وهو مقدار TPM المعيَّن بالفعل.',
  'That would assign {0} tokens per minute, over the TPM pool of {1}. {2} TPM remain{3} in the pool; lower the limit or raise the pool.':
    'سيؤدي ذلك إلى تعيين {0} من الرموز في الدقيقة، متجاوزًا مجمّع TPM البالغ {1}. يتبقى في المجمّع {2} TPM؛ اخفض الحد أو ارفع المجمّع.',
  'Only {0} TPM remain in the pool.': 'يتبقى في المجمّع {0} TPM فقط.',
  // resources.ts
  'Resource {0}:{1} already exists. Edit it instead of adding it again.':
    'المورد {0}:{1} موجود بالفعل. عدّله بدلًا من إضافته مرة أخرى.',
  '{0} already has a {1} resource.': 'للنموذج {0} مورد {1} بالفعل.',
  'A PYG (pay-as-you-go) resource takes no TPM limit.': 'مورد PYG (الدفع حسب الاستخدام) لا يأخذ حد TPM.',
  'Resource {0}:{1} is assigned to {2} key{3}. Unassign it from them first, or mark it inactive instead.':
    'المورد {0}:{1} معيَّن لمفاتيح عددها {2}. ألغِ تعيينه منها أولًا، أو اجعله غير نشط بدلًا من ذلك.',
  '{0} has no upstream: give it an upstream URL first, then its provider key.':
    'لا يوجد خادم أصلي (upstream) للمورد {0}: أعطه عنوان URL للخادم الأصلي أولًا، ثم مفتاح المزوّد الخاص به.',
  '{0} cannot hold {1} under both {2} and {3}: a key may use a model under one resource type only. Keep {4}:{5} or {6}:{7}, not both.':
    'لا يمكن أن يحمل {0} النموذج {1} ضمن النوعين {2} و{3} معًا: يمكن للمفتاح استخدام النموذج ضمن نوع مورد واحد فقط. أبقِ {4}:{5} أو {6}:{7}، لا كليهما.',
  '{0} is already chosen under {1}.': 'النموذج {0} مختار بالفعل ضمن {1}.',
  '{0} has no upstream: give an upstream URL too, or leave this empty.':
    'لا يوجد خادم أصلي (upstream) للمورد {0}: أعطِ عنوان URL للخادم الأصلي أيضًا، أو اترك هذا الحقل فارغًا.',
  'No resource "{0}". Name it by its id or as MODEL:TYPE (e.g. gpt-4o:TPM); list them with "resources list".':
    'لا يوجد مورد "{0}". حدّده بمعرّفه أو بصيغة MODEL:TYPE (مثل gpt-4o:TPM)؛ واعرض الموارد بالأمر "resources list".',
  'No resource "{0}".': 'لا يوجد مورد "{0}".',
  // sqlite-errors.ts
  'The registry is busy with another change (another window, CLI or server). Nothing was changed; try again.':
    'السجل مشغول بتغيير آخر (نافذة أخرى أو CLI أو الخادم). لم يتغيّر شيء؛ حاول مرة أخرى.',
  '{0} is not a Keyward registry (it is not an SQLite database). It was left untouched; check --db or KEYWARD_DB.':
    '{0} ليس سجل Keyward (فهو ليس قاعدة بيانات SQLite). تُرك دون مساس؛ تحقّق من --db أو KEYWARD_DB.',
  'The registry at {0} is damaged. Restore it from a backup.': 'السجل في {0} تالف. استعده من نسخة احتياطية.',
  'Cannot open the registry at {0}. Check the path and its permissions.':
    'تعذّر فتح السجل في {0}. تحقّق من المسار وأذوناته.',
  "The registry at {0} is read-only. Check the file's permissions.": 'السجل في {0} للقراءة فقط. تحقّق من أذونات الملف.',
  'The disk holding {0} is full. Free some space and try again.':
    'القرص الذي يحوي {0} ممتلئ. حرّر بعض المساحة وحاول مرة أخرى.',
  'A key may use a model under one resource type only (TPM or PYG, not both). Nothing was changed.':
    'يمكن للمفتاح استخدام النموذج ضمن نوع مورد واحد فقط (TPM أو PYG، لا كليهما). لم يتغيّر شيء.',
  'Administrator keys take no resources. Nothing was changed.': 'مفاتيح المسؤول لا تُعيَّن لها موارد. لم يتغيّر شيء.',
  'A key with that name already exists (names are unique, ignoring case). Choose another name.':
    'يوجد بالفعل مفتاح بهذا الاسم (الأسماء فريدة بصرف النظر عن حالة الأحرف). اختر اسمًا آخر.',
  'That change conflicts with the registry as it is now. Nothing was changed; reload and try again.':
    'يتعارض هذا التغيير مع حالة السجل الحالية. لم يتغيّر شيء؛ أعد التحميل وحاول مرة أخرى.',
  // usage.ts
  '{0} must be a number of tokens.': 'يجب أن يكون {0} عددًا من الرموز.',
  '{0} must be a whole number of tokens.': 'يجب أن يكون {0} عددًا صحيحًا من الرموز.',
  '{0} cannot be negative.': 'لا يمكن أن يكون {0} سالبًا.',
  '{0} is implausibly large: report at most 1,000,000,000 tokens per request.':
    '{0} كبير على نحو غير معقول: أبلغ عن 1,000,000,000 رمز على الأكثر لكل طلب.',
  'Usage not recorded: the key does not verify for this model ({0}). Report usage only for requests the verifier allowed.':
    'لم يُسجَّل الاستخدام: لا يجتاز المفتاح التحقق لهذا النموذج ({0}). أبلغ عن الاستخدام للطلبات التي سمح بها المتحقِّق فقط.',
  'End ({0}) must be after start ({1}).': 'يجب أن تكون النهاية ({0}) بعد البداية ({1}).',
  'The report would have more than {0} rows. Narrow the dates, name a key or models, or use a longer interval.':
    'سيحتوي التقرير على أكثر من {0} صف. ضيّق نطاق التواريخ، أو حدّد مفتاحًا أو نماذج، أو استخدم فاصلًا زمنيًا أطول.',
  // Words that fill the placeholders above (ternaries, lists and sentence parts the scan does not list)
  entry: 'إدخال',
  entries: 'إدخالات',
  'a problem': 'مشكلة',
  '{0} is not a Keyward registry: {1}': '{0} ليس سجل Keyward: {1}',
  'The restore failed ({0}). {1}': 'فشلت الاستعادة ({0}). {1}',
  '{0} and {1} more': '{0} و{1} غيرها',
  tab: 'محرف الجدولة',
  'carriage return': 'محرف الإرجاع',
  '{0} near line {1}': '{0} قرب السطر {1}',
  ' (at character {0})': ' (عند المحرف {0})',
  retried: 'إعادة محاولة إرسالها',
  discarded: 'تجاهلها',
  'A key': 'أي مفتاح',
  'the registry could not be written.': 'تعذّرت الكتابة في السجل.',
  // Why a key of a bulk assign was refused (bulk.ts refusal()), listed after its name.
  'an administrator key': 'مفتاح مسؤول',
  'holds {0}': 'يحمل {0}',
  'one type per model': 'نوع واحد لكل نموذج',
  // A registry named by a URL (paths.ts): what runs on PostgreSQL, and other schemes.
  '{0} needs a registry file for now. On a PostgreSQL registry Keyward runs: {1}. For the rest, copy the registry to a file with "keyward migrate --from URL --to FILE". Nothing was changed.':
    '{0} يحتاج إلى ملف سجل في الوقت الحالي. على سجل PostgreSQL يشغّل Keyward: {1}. لغير ذلك، انسخ السجل إلى ملف باستخدام "keyward migrate --from URL --to FILE". لم يتغيّر شيء.',
  'This is a {0}:// URL, not a file path. Give the path of a registry file, for example ./registry.sqlite3, or a postgres:// URL. Nothing was created.':
    'هذا عنوان URL بالمخطط {0}:// وليس مسار ملف. أعطِ مسار ملف سجل، مثل ./registry.sqlite3، أو عنوان postgres://. لم يُنشأ شيء.',
  'keyward backup and restore work on a registry file. Back up a PostgreSQL registry with PostgreSQL\'s own tools (pg_dump, or the server\'s continuous archiving), or copy it whole to a file with "keyward migrate --from URL --to FILE". Nothing was changed.':
    'يعمل keyward backup وrestore على ملف سجل. انسخ سجل PostgreSQL احتياطيًا بأدوات PostgreSQL نفسها (pg_dump، أو الأرشفة المستمرة للخادم)، أو انسخه كاملًا إلى ملف باستخدام "keyward migrate --from URL --to FILE". لم يتغيّر شيء.',
  'This command': 'هذا الأمر',
  'The web console': 'وحدة التحكم على الويب',
  'The gateway': 'البوابة'
} satisfies CoreCatalog
