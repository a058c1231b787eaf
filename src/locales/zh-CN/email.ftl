# The emails' words (src/notify/messages.rs), laid out by src/notify/templates/email/layout.

email-greeting = { $name }，您好：
email-signature = —— ODR 在线消费纠纷解决平台
email-open-platform = 登录 ODR 平台处理
email-case-number = 案件编号：{ $case_number }
email-notice-login = 请登录 ODR 在线消费纠纷解决平台查看并处理：

email-invitation-subject = ODR 在线消费纠纷解决平台账号邀请：{ $organisation }
email-invitation-created = 在线消费纠纷解决（ODR）平台已为您开通账号，所属单位：{ $organisation }。
email-invitation-within = 请在 { $hours } 小时内通过以下链接设置密码：
email-invitation-link = 设置密码
email-invitation-ignore = 如非本人操作，请忽略本邮件。

email-reset-subject = 重置 ODR 在线消费纠纷解决平台密码
email-reset-asked = 有人（希望是您本人）申请重置您在在线消费纠纷解决（ODR）平台的账号密码。
email-reset-within = 请在 { $minutes } 分钟内通过以下链接设置新密码（链接仅可使用一次）：
email-reset-link = 设置新密码
email-reset-ignore = 如非本人操作，请忽略本邮件，您的密码不会改变。

email-digest-subject = { $business }：{ $count } 件纠纷即将到期（{ $date }）
email-digest-lead = { $business } 以下纠纷将于下一个工作日结束前到期：
email-digest-login = 请登录 ODR 在线消费纠纷解决平台及时处理：
email-platform-administration = ODR 平台管理
