# Words for the platform's stable codes: `<set>-<code>`, one set per closed set of values
# (src/http/portal/labels.rs; a test there fails when a value of an enum has no word).

## status
status-filed = 待响应
status-negotiating = 协商中
status-settled = 已达成和解
status-resolved = 已解决
status-withdrawn = 已撤回
status-escalated = 已转 12315
status-rejected = 不予受理
status-paused = 已暂停

## remedy
remedy-refund = 退款
remedy-replacement = 换货
remedy-repair = 维修
remedy-compensation = 赔偿
remedy-apology = 赔礼道歉
remedy-other = 其他

## category
category-product_quality = 商品质量
category-service_quality = 服务质量
category-contract_terms = 合同条款
category-price_and_charges = 价格收费
category-returns_and_refunds = 退换货
category-after_sales_and_warranty = 售后与三包
category-vehicle_quality = 汽车质量
category-food_safety = 食品安全
category-prepaid_cards = 预付卡
category-personal_information = 个人信息
category-other = 其他

## party
party-consumer = 消费者
party-business = 经营者
party-merchant = 经营者
party-regulator = 监管部门
party-system = 系统

## event
event-filed = 提交投诉
event-first_contact = 经营者首次响应
event-message = 留言
event-offer_made = 提出方案
event-offer_withdrawn = 撤回方案
event-offer_accepted = 接受方案，达成和解
event-offer_rejected = 拒绝方案
event-offer_expired = 方案过期
event-withdrawn = 撤回投诉
event-declined = 经营者拒绝和解
event-escalation_requested = 消费者申请转 12315
event-extension_proposed = 申请延期
event-extension_agreed = 同意延期
event-extension_refused = 拒绝延期
event-pause_proposed = 申请暂停
event-paused = 暂停
event-resumed = 恢复
event-marked_fulfilled = 经营者已履行
event-fulfilment_confirmed = 消费者确认履行
event-non_fulfilment_reported = 消费者反映未履行
event-rated = 消费者评价
event-rejected_as_no_consumer_dispute = 非消费纠纷，不予受理
event-escalated_by_regulator = 监管部门转办
event-first_contact_lapsed = 首次响应超时
event-settlement_lapsed = 办结超时，自动转 12315
event-fulfilment_lapsed = 履行超时，自动转 12315
event-confirmation_lapsed = 确认超时，视为已解决
event-evidence_added = 上传证据
event-escalation_delivered = 已移送 12315
event-escalation_delivery_dead = 移送 12315 失败
event-escalation_status = 12315 处理进展
event-anonymised = 个人信息已匿名化
event-due_dates_recomputed = 期限已重新计算
event-urged = 监管部门催办
event-return_visit = 监管部门回访
bureau_deadline-acceptance = 决定是否受理
bureau_deadline-mediation = 终结调解
bureau_deadline-notification = 告知双方调解终结
bureau_deadline-case_decision = 核查并决定是否立案
follow_reason-sensitive = 敏感案件
follow_reason-major = 重大案件
visit_channel-phone = 电话
visit_channel-sms = 短信
visit_channel-in_person = 当面
visit_channel-online = 网上

## role
role-consumer = 消费者
role-merchant_staff = 经营者
role-association_admin = 行业协会
role-regulator = 监管部门
role-admin = 平台管理员

## escalation_state
escalation_state-pending = 待移送
escalation_state-delivered = 已移送
escalation_state-received = 已接收
escalation_state-accepted = 已受理
escalation_state-not_accepted = 不予受理
escalation_state-mediating = 调解中
escalation_state-mediated = 调解成功
escalation_state-mediation_failed = 调解失败
escalation_state-case_filed = 已立案
escalation_state-closed = 已办结

## escalation_reason
escalation_reason-settlement_due_date_passed = 办结期限已过
escalation_reason-fulfilment_due_date_passed = 履行期限已过
escalation_reason-joint_mediation_request = 双方共同申请调解

## field_error
field_error-condition_not_met = ODR 单位须具备全部五项条件。
field_error-duplicate_commitment = 每类承诺只能填写一次。
field_error-duplicate_remedy = 每种诉求只能选择一次。
field_error-invalid_commitment = 承诺填写有误：请检查退货天数、承诺条件和有效期。
field_error-invalid_commitment_kind = 请选择承诺类型：消费维权服务站、放心消费承诺单位或线下无理由退货。
field_error-not_utf8 = 文件须为 UTF-8 编码的文本。
# A field whose rule has no sentence of its own.
field_error = 此项填写有误，请检查。
field_error-email_taken = 该邮箱已注册账号。
field_error-required = 必填。
field_error-invalid_version = 3–60 个字符：字母、数字、- _ .
field_error-scope_required = 请选择地区或行业，或两者都选（全国默认时限在配置文件中设定）。
field_error-invalid_length = 长度不符合要求。
field_error-invalid_email = 邮箱格式不正确。
field_error-invalid_phone = 请填写有效的中国大陆手机号。
field_error-weak_password = 密码至少 8 位，且不能容易被猜到（常见词语、姓名、日期、键盘规律都不行），较长的短语最好。
field_error-wrong_password = 当前密码不正确。
field_error-contact_required = 请填写邮箱或手机号。
field_error-passwords_differ = 两次输入的密码不一致。
field_error-invalid_amount = 金额不正确：金额不能为负数；索赔金额最多为实付金额的十倍加 1,000 元（法定惩罚性赔偿的上限），且不超过 1,000 万元。
field_error-invalid_number = 请填写数字。
field_error-confirmation_required = 请勾选确认后再撤回。
field_error-deletion_unconfirmed = 请勾选确认后再删除。
field_error-unconfirmed = 请勾选确认。
field_error-invalid_status = 状态不正确。
field_error-out_of_range = 超出允许的范围。
field_error-invalid_rating = 请选择 1 到 5 星。
field_error-invalid_uscc = 统一社会信用代码不正确。
field_error-unknown_industry = 请选择行业。
field_error-invalid_days = 天数不正确。
field_error-invalid_time = 时间不正确。
field_error-duplicate_field = 同一内容只需填写一次。
field_error-consent_required = 须同意经营者就本纠纷与您联系。
field_error-unknown_category = 请选择纠纷类别。
field_error-invalid_purchase_date = 消费日期不正确。
field_error-invalid_date = 日期不正确。
field_error-not_an_officer_here = 请选择本辖区或上级市场监管部门的在岗人员。
field_error-not_an_officer = 请填写监管部门人员的账号。
field_error-before_conclusion = 回访日期不能早于纠纷办结之日。
field_error-in_the_future = 回访日期不能晚于今天。
field_error-unknown_value = 请从列表中选择。
field_error-invalid_form = 表单内容不完整或格式不对，请刷新页面后重新填写。
field_error-invalid_character = 不能含有空字符（U+0000）。
field_error-invalid_vin = 车架号（VIN）应为 17 位。
field_error-invalid_remedy = 诉求不正确。
field_error-unknown_region = 没有这个地区代码，请按《行政区划代码》填写。
field_error-retired_region = 该地区代码已在新版区划中撤销，请改用调整后的地区。
field_error-outside_association_region = 该地区不在本协会的管辖范围内。
field_error-personal_data = 公示内容不得包含个人信息：请删去消费者姓名、联系方式、身份证号和案件编号。
field_error-reason_required = 请填写作出该决定的理由。
field_error-file_required = 请选择要上传的文件。
field_error-exceeds_policy = { $limit ->
        [extension] 延期须为 1 至 { $most } 个工作日。
       *[fulfilment] 履行期限最长为 { $most } 天。
    }
field_error-in_the_past = 时间不能早于现在。
field_error-invalid = 内容不完整或格式不对。
field_error-too_long = 内容过长。
field_error-duplicate_in_file = 该统一社会信用代码已在文件前面的行中出现过。
field_error-invalid_action = 不能进行这项操作。
field_error-unknown_action = 没有这项操作。
field_error-invalid_calendar = 节假日历文件格式不正确。
field_error-invalid_counting = 请选择“工作日”或“自然日”。
field_error-invalid_flag = 请选择“是”或“否”。
field_error-invalid_item_kind = 请选择商品或服务。
field_error-invalid_kind = 类型不正确。
field_error-invalid_period = 请选择日、周、月或自定义期间。
field_error-invalid_range = 结束日期不能早于开始日期，且期间不能过长。
field_error-invalid_region_code = 地区代码应为 6 位数字。
field_error-invalid_role = 角色不正确。
field_error-invalid_scope = 统计范围不正确。
field_error-invalid_staff_role = 请选择负责人或经办人。
field_error-invalid_level = 请选择省、市或区县级。
field_error-invalid_format = 请选择导出格式。
field_error-invalid_sort = 排序方式不正确。
field_error-invalid_cursor = 翻页位置已失效，请从第一页重新查看。
field_error-invalid_query_parameter = 查询条件不正确。
field_error-invalid_json = 提交的内容格式不正确。
field_error-invalid_json_fields = 提交的内容缺少必填项或格式不对。
field_error-invalid_idempotency_key = 请求编号（Idempotency-Key）不正确。
field_error-undertaking_not_accepted = 请阅读并接受承诺书。
field_error-undertaking_outdated = 承诺书已更新，请阅读并接受最新版本。
field_error-unit_not_active = 该单位目前不受理新的纠纷。
field_error-unknown_association = 没有这个行业协会。
field_error-unknown_jurisdiction = 没有这个地区的节假日历。
field_error-unknown_unit = 没有这个 ODR 单位。
field_error-unsupported_language = 请选择中文或英文。
field_error-invalid_import_file = { $reason ->
        [empty] 文件没有表头行。
        [missing_columns] 表头缺少这些列：{ $columns_zh }。
        [too_many_rows] 文件超过 { $rows } 行，请拆分后分别导入。
        [too_many_columns] 表格在 { $column } 列之后还有内容（最多读取 { $most } 列），请删去多余的单元格后再上传。
        [unpacks_too_large] 该 Excel 文件解压后超过 { $kib } KiB，请只保留会员名单后再上传。
       *[unreadable] 无法读取该文件：请上传 CSV 或 Excel（.xlsx）格式的会员名单。
    }

## item_kind
item_kind-product = 商品
item_kind-service = 服务

## staff_role
staff_role-owner = 负责人
staff_role-handler = 经办人

## offer_status
offer_status-open = 待答复
offer_status-accepted = 已接受
offer_status-rejected = 已拒绝
offer_status-withdrawn = 已撤回
offer_status-superseded = 已被新方案取代
offer_status-expired = 已过期

## unit_status
unit_status-pending = 待审核
unit_status-active = 已生效
unit_status-suspended = 已暂停
unit_status-rejected = 未通过
unit_status-removed = 已移除

## unit_actor
unit_actor-owner = 经营者
unit_actor-regulator = 监管部门

## unit_decision
unit_decision-approve = 批准
unit_decision-reject = 驳回
unit_decision-suspend = 暂停
unit_decision-reinstate = 恢复
unit_decision-remove = 移除

## commitment
commitment-rights_service_station = 消费维权服务站
commitment-trusted_consumption_store = 放心消费承诺单位
commitment-offline_no_reason_return = 线下无理由退货

## alert_kind
alert_kind-mass_complaint = 群体投诉
alert_kind-repeat_consumer = 同一消费者重复投诉
alert_kind-repeat_unit = 同一单位多次被投诉
alert_kind-major = 重大纠纷
alert_kind-sensitive = 敏感纠纷
alert_kind-commitment_breach = 违反承诺

## alert_status
alert_status-open = 待处理
alert_status-acknowledged = 已确认
alert_status-closed = 已关闭

## publication_kind
publication_kind-case_summary = 典型案例
publication_kind-consumer_alert = 消费提示

## publication_status
publication_status-draft = 草稿
publication_status-published = 已发布

## notification
notification-new_dispute = 新纠纷
notification-first_contact = 首次响应
notification-offer = 和解方案
notification-update = 纠纷进展
notification-reminder = 到期提醒
notification-unit = 单位状态变化
notification-daily_digest = 每日到期清单
notification-report_ready = 报表已生成

## skip_reason
skip_reason-weekend = 周末
skip_reason-holiday = 法定节假日

## day_count
day_count-working_days = 工作日
day_count-calendar_days = 自然日

## report_kind
report_kind-daily = 当日概况
report_kind-weekly = 周查
report_kind-monthly = 月结
report_kind-analysis = 月度投诉分析

## standing
standing-good = 良好
standing-warned = 已警示

## criterion (evaluation thresholds a unit is below)
criterion-on_time_rate = 按时办结率
criterion-settlement_rate = 和解成功率
criterion-unanswered = 未响应纠纷

## deadline (the due dates a reminder is about)
deadline-first_contact = 首次响应
deadline-settlement = 和解处理
deadline-fulfilment = 和解协议履行

## unit_reason (the reasons the platform itself records in a unit's history)
unit_reason-application = 提交 ODR 申请
audit_action-user-create = 创建账号
audit_action-user-deactivated = 停用账号
audit_action-user-reactivated = 恢复账号
audit_action-unit-warned = 警示 ODR 单位
audit_action-unit-commitments = 修改公开承诺
audit_action-publication-published = 发布公示
audit_action-reply_template-created = 添加回复模板
audit_action-reply_template-updated = 修改回复模板
audit_action-reply_template-deleted = 删除回复模板
audit_action-policy-create = 新增期限规则
audit_action-escalation-redrive = 重新移送 12315
audit_action-calendar-import = 导入节假日历
audit_action-audit-export = 导出审计日志
audit_action-association-create = 创建行业协会
audit_action-alert-raised = 发出预警
audit_action-account-export = 下载个人数据
audit_action-dispute-unmask = 查看消费者完整联系方式
audit_action-dispute-followed = 指定专人跟踪
audit_action-dispute-unfollowed = 取消专人跟踪
audit_object-dispute = 纠纷
audit_object-unit = ODR 单位
audit_object-user = 账号
audit_object-alert = 预警
audit_object-association = 行业协会
audit_object-audit_log = 审计日志
audit_object-escalation = 转 12315
audit_object-publication = 公示
audit_object-reply_template = 回复模板
audit_object-calendar_year = 节假日历
audit_object-deadline_policy = 期限规则
audit_action-publication-deleted = 删除公示草稿
webhook_event-filed = 新纠纷
webhook_event-message = 新留言
webhook_event-offer = 方案（提出、撤回、拒绝、过期）
webhook_event-accepted = 方案被接受
webhook_event-due_soon = 期限将至
webhook_event-escalated = 转 12315
webhook_event-concluded = 纠纷结束
webhook_event-urged = 监管部门催办
webhook_event-ping = 测试
delivery_status-pending = 待推送
delivery_status-delivered = 已送达
delivery_status-failed = 失败
webhook_failure-timeout = 超时未回复
webhook_failure-unreachable = 无法连接
webhook_failure-refused_url = 地址不被允许
webhook_failure-no_secret = 签名密钥无法读取
webhook_failure-redirect = 对方要求跳转（不跟随）
webhook_failure-answered = 对方未接收
field_error-insecure_url = 接收地址须以 https:// 开头。
field_error-private_address = 接收地址不能指向内网、本机或保留地址。
field_error-invalid_url = 请填写完整的网址，如 https://dms.example.cn/odr/webhooks（不含用户名和密码）。
field_error-unknown_event = 请从列出的事件中选择。
audit_action-webhook-created = 添加 Webhook 接收地址
audit_action-webhook-updated = 修改 Webhook 接收地址
audit_action-webhook-deleted = 删除 Webhook 接收地址
audit_action-webhook-secret_rotated = 更换 Webhook 签名密钥
audit_object-business = 经营者
field_error-title_taken = 本辖区已有同名模板，请换一个标题。
sms_event-filed = 纠纷已提交
sms_event-first_contact = 商家首次联系
sms_event-offer = 商家和解方案
sms_event-agreement = 达成和解
sms_event-fulfilled = 商家已履行待确认
sms_event-escalated = 转交 12315
sms_event-rejected = 不予处理
sms_event-new_dispute = 新纠纷（商家）
sms_event-due_soon = 期限临近（商家）
sms_status-pending = 待发送
sms_status-sent = 已发送
sms_status-failed = 失败
sms_status-opted_out = 已退订，未发送
sms_status-rate_limited = 超过频次，未发送
party-mediator = 调解员
role-mediator = 调解员
event-mediation_requested = 申请调解
event-mediation_request_withdrawn = 撤回调解申请
event-mediation_referred = 转交调解
event-mediator_message = 调解员留言
event-session_scheduled = 安排调解会议
event-session_recorded = 记录调解会议
event-mediation_agreed = 达成调解协议
event-mediation_failed = 调解未达成协议
event-mediation_fulfilled = 经营者已履行调解协议
event-mediation_confirmed = 消费者确认履行调解协议
sms_event-mediation_session = 调解会议
mediator_kind-people_mediator = 人民调解员
mediator_kind-association_mediator = 行业协会调解员
mediator_kind-volunteer_lawyer = 志愿律师
mediation_origin-queue = 12315 队列转交
mediation_origin-joint_request = 双方共同申请
mediation_state-referred = 已转交
mediation_state-scheduled = 已安排会议
mediation_state-in_session = 调解进行中
mediation_state-agreed = 达成协议
mediation_state-failed = 调解失败
session_mode-online = 线上
session_mode-in_person = 现场
session_outcome-held = 已举行
session_outcome-not_held = 未举行
mediation_outcome-agreed = 达成协议
mediation_outcome-failed = 未达成协议
field_error-outside_your_region = 只能登记本辖区或下级辖区的调解员。
field_error-not_a_mediator_here = 请选择本辖区（或上级辖区）在册的调解员。
field_error-session_time_out_of_range = 会议时间须在现在之后、90 天以内。
field_error-fulfilment_too_late = 履行期限超出了政策允许的最长天数。
field_error-date_in_past = 日期不能早于今天。
event-mediation_withdrawn = 撤回调解转交
mediation_state-withdrawn = 已撤回转交
field_error-amount_in_yuan = 请填写以元为单位的金额，最多两位小数，如 2000 或 2000.50。
