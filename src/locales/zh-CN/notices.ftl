# What a dispute's parties, staff and regulators are told (src/disputes/notices.rs): in the
# app and in emails.

notice-new-dispute-headline = 新的消费纠纷 { $case_number }
notice-new-dispute = { $consumer_name } 就「{ $item }」提出消费纠纷，诉求金额 { $amount }。请在时限内首次响应。
notice-first-contact-headline = { $business_name } 已响应您的纠纷 { $case_number }
notice-offer-headline = 纠纷 { $case_number } 有新的和解方案
notice-update-headline = 纠纷 { $case_number } 有新进展
notice-reminder-headline = 提醒：纠纷 { $case_number } 即将到期
notice-reminder = 纠纷 { $case_number } 的{ $deadline }期限将于 { $due }（北京时间）届满，请及时处理。
notice-the-consumer-withdrew-the = 消费者撤回了投诉。
notice-the-business-declined-to = 经营者表示无法和解，纠纷已转 12315 处理。
notice-the-consumer-asked-for-the = 消费者申请将纠纷转 12315 处理。
notice-the-extension-was-refused = 延期申请被拒绝。
notice-the-other-party-asks-to-pause = 对方申请暂停处理（如检测鉴定），请确认。
notice-the-dispute-is-paused = 纠纷已暂停计时。
notice-the-business-marked-the = 经营者表示已履行和解协议，请确认。
notice-the-consumer-confirmed = 消费者确认和解协议已履行，纠纷已办结。
notice-the-consumer-reported-non = 消费者反映和解协议未履行，纠纷已转 12315 处理。
notice-the-time-limit-passed-without = 处理期限已过仍未和解，纠纷已转 12315 处理。
notice-the-settlement-was-not = 和解协议未在约定期限内履行，纠纷已转 12315 处理。
notice-the-consumer-raised-no = 消费者在确认期内未提出异议，纠纷已办结。
notice-the-regulator-ruled-this-is = 市场监管部门认定该投诉不属于消费纠纷。
notice-the-regulator-has-taken-this = 市场监管部门已将该纠纷转入 12315 统一处理。
notice-the-other-party-sent-a-new = 对方发来一条新消息。
notice-the-other-party-rejected-your = 对方拒绝了您的和解方案。
notice-the-other-party-withdrew-its = 对方撤回了和解方案。
notice-the-extension-was-agreed = 延期申请已同意。
notice-the-dispute-is-resumed = 纠纷已恢复处理。
notice-offer-accepted = 对方接受了和解方案（{ $remedy }），和解协议已达成。
notice-extension-proposed = 对方申请延长处理期限 { $working_days } 个工作日，请确认。
notice-rated = 消费者评价：{ $rating } 星。
notice-first-contact-lapsed = 首次响应已超时，请立即联系消费者；超过处理期限未和解的纠纷将转 12315 处理。
notice-first-contact-lapsed-many = { $count } 件纠纷首次响应已超时，请立即联系消费者；超过处理期限未和解的纠纷将转 12315 处理。
notice-first-contact-lapsed-many-subject = { $count } 件纠纷首次响应已超时
notice-first-contact = 经营者已就您的消费纠纷与您联系，请登录平台查看并回复。
notice-offer-by-business = 经营者提出和解方案：{ $remedy }，金额 { $amount }。请在方案到期前接受、拒绝或提出新方案。
notice-offer-by-consumer = 消费者提出和解方案：{ $remedy }，金额 { $amount }。请在方案到期前接受、拒绝或提出新方案。
notice-unit-with-reason = { $what }。原因：{ $reason }
notice-unit-warned = 监管部门对本单位作出警示
notice-unit-active = 本单位已成为 ODR 企业（在线消费纠纷解决单位）
notice-unit-suspended = 本单位 ODR 资格已暂停：不再受理新纠纷，已受理的继续处理
notice-unit-removed = 本单位已被移出 ODR 企业名录
notice-unit-rejected = 本单位的 ODR 申请未获通过
notice-unit-pending = 本单位的 ODR 申请待审核
notice-digest-line = { $case_number } · { $item } · { $deadline }期限 { $due }
notice-alert = 预警：{ $summary }
notice-escalation-queued = 一件未和解的消费纠纷已转入本辖区 12315 处理队列。
notice-escalation-queued-many = { $count } 件未和解的消费纠纷已转入本辖区 12315 处理队列。
notice-escalation-queued-many-subject = { $count } 件纠纷已转入 12315 处理队列
notice-escalation-progress = 12315 处理进展：{ $state }。
notice-digest-summary = { $date }：{ $count } 件纠纷将于下一个工作日结束前到期
notice-in-app = { $headline }：{ $detail }
notice-report-ready = { $report }已生成（{ $from }–{ $to }）。

# The subject of an update's email: the case number and what happened.
email-update-subject = 纠纷 { $case_number }：{ $what }
