# What each API error code means to the person who met it: the portal's sentence.
# One message per `crate::error::ErrorCode`, named `error-<code>`; the English file
# (en/errors.ftl) has the same messages, and the problem documents' `title`.

## 400
error-bad_request = 请求无法处理。
error-malformed_json = 请求内容不是有效的 JSON。
error-invalid_multipart = 上传的表单无法读取。
error-unreadable_body = 请求内容无法读取。
error-invalid_character = 内容含有不允许的字符。
error-invalid_query = 查询参数无法读取。

## 401
error-unauthenticated = 请先登录。
error-invalid_token = 登录凭证无效，请重新登录。
error-token_expired = 登录已过期，请重新登录。
error-session_ended = 登录已结束或账号已停用，请重新登录。
error-account_inactive = 该账号已停用。
error-invalid_credentials = 账号或密码错误。
error-invalid_refresh_token = 登录续期凭证无效，请重新登录。
error-refresh_token_revoked = 该登录已退出，请重新登录。
error-refresh_token_reused = 登录续期凭证被重复使用，为安全起见该登录已结束，请重新登录。
error-refresh_token_expired = 登录已过期，请重新登录。
error-invalid_link = 链接无效或已过期，请重新获取案卷。
error-invalid_signature = 回调签名无效。
error-invalid_invitation = 邀请链接无效。
error-invitation_expired = 邀请已过期，请联系发出邀请的人重新邀请。
error-invalid_reset_link = 重置密码链接无效或已过期，请重新申请。
error-metrics_token_required = 读取运行指标需要指标令牌。

## 403
error-forbidden = 您的账号无权进行此操作。
error-invalid_form_token = 页面已过期，请刷新后重试。

## 404
error-not_found = 找不到该页面或记录。
error-route_not_found = 找不到该页面。
error-business_not_found = 找不到该经营者。
error-unit_not_found = 找不到该 ODR 单位。
error-association_not_found = 找不到该行业协会。
error-dispute_not_found = 找不到该纠纷，或您无权查看。
error-offer_not_found = 该纠纷中没有这个方案。
error-evidence_not_found = 找不到该证据文件。
error-document_not_available = 该文件尚不能出具：和解协议书在双方达成和解后出具，转交告知书在案件送达监管部门后出具。
error-document_not_found = 找不到该验证码对应的文件。
error-notification_not_found = 找不到该通知。
error-escalation_not_found = 找不到该转办记录。
error-alert_not_found = 找不到该预警。
error-scope_not_found = 找不到该统计范围。
error-report_not_found = 找不到该报表。
error-publication_not_found = 找不到该公示稿。
error-user_not_found = 找不到该账号。
error-staff_not_found = 找不到该员工账号。

## 405
error-method_not_allowed = 该地址不支持此操作。

## 409
error-conflict = 已有相同的记录。
error-email_taken = 该邮箱已注册。
error-phone_taken = 该手机号已注册。
error-business_exists = 该统一社会信用代码的经营者已登记。
error-association_exists = 该行业协会已登记。
error-invitation_used = 该邀请已使用，请直接登录。
error-password_changed = 密码已被修改，请重新登录。
error-unit_already_enrolled = 该经营者已申请或已是 ODR 单位。
error-unit_transition_not_allowed = 该单位当前状态下不能进行此操作。
error-unit_changed_concurrently = 该单位刚被他人修改，请刷新后重试。
error-unit_not_pending = 该单位不在待审核状态。
error-not_an_odr_unit = 请先申请成为 ODR 单位。
error-duplicate_dispute = 同一笔消费已有处理中的投诉。
error-invalid_transition = 当前状态下不能进行此操作。
error-not_allowed_for_party = 您这一方不能进行此操作。
error-dispute_closed = 纠纷已结束，不能再操作。
error-escalation_too_early = 尚未到可以申请转 12315 的时间。
error-extension_already_used = 延期只能申请一次。
error-proposal_pending = 已有等待对方答复的申请。
error-no_proposal_to_answer = 对方没有等待答复的申请。
error-already_fulfilled = 经营者已标记履行。
error-not_fulfilled_yet = 经营者尚未标记履行。
error-already_rated = 已评价过，不能重复评价。
error-not_due_yet = 尚未到期。
error-offer_expired = 该方案已过期。
error-offer_superseded = 该方案已被新方案取代。
error-offer_not_open = 该方案已被答复或撤回。
error-own_offer = 不能答复自己提出的方案。
error-not_your_offer = 只能撤回自己提出的方案。
error-dispute_changed_concurrently = 纠纷刚有新的变化，请刷新后重试。
error-invalid_escalation_transition = 该转办记录当前状态下不能进行此操作。
error-escalation_changed_concurrently = 该转办记录刚有新的变化，请刷新后重试。
error-escalation_not_dead = 只有投递已放弃的转办才能重新投递。
error-policy_version_exists = 该日期起已有时限规则。
error-alert_transition_not_allowed = 该预警当前状态下不能进行此操作。
error-dispute_not_concluded = 纠纷尚未办结，不能公示。
error-publication_published = 已发布的公示不能修改。
error-not_a_mass_complaint = 该预警不是群体投诉预警。
error-too_many_evidence_files = 证据文件数量已达上限。

## 410
error-evidence_removed = 该证据文件已按保存期限删除。

## 413
error-payload_too_large = 提交的内容太大。
error-file_too_large = 文件太大，请压缩后重新选择。
error-body_too_large = 提交的内容太大。
error-form_too_large = 提交的表单太大。
error-too_many_fields = 提交的表单字段太多。

## 415
error-unsupported_media_type = 不支持该内容格式。
error-unsupported_evidence_type = 不支持该文件类型，请上传图片或 PDF。

## 422
error-validation_failed = 请检查标出的内容。
error-idempotency_key_reused = 该幂等键已用于另一个请求。

## 429
error-too_many_login_attempts = 登录失败次数过多，请稍后再试。
error-too_many_login_attempts_from_address = 登录尝试过多，请稍后再试。
error-too_many_requests_from_address = 请求过于频繁，请稍后再试。

## Any other 4xx (a status the platform has no code of its own for)
error-request_failed = 请求未完成。

## 500, 503
error-internal_error = 系统暂时无法完成操作，请稍后再试。
error-database_unavailable = 系统繁忙，请稍后再试。
error-webhook_not_found = 找不到该接收地址。
error-webhook_delivery_not_found = 找不到该推送记录。
error-webhook_limit_reached = 接收地址已达上限，请先删除不用的地址。
error-reply_template_not_found = 找不到该回复模板。
error-reply_template_limit_reached = 本辖区的回复模板已达上限，请先删除不用的模板。
error-webhook_delivery_pending = 该推送仍在等待发送，会自动重试，无需再次发送。
error-return_visit_too_early = 纠纷尚在处理中，办结后才能回访。
error-mediation_not_found = 没有这个调解。
error-session_not_found = 没有这次调解会议。
error-mediation_not_available = 该纠纷目前不能转交调解。
error-mediation_running = 该纠纷已在调解中。
error-mediation_closed = 调解已经结束。
error-mediation_changed_concurrently = 调解情况刚刚有变化，请刷新后重试。
error-mediation_not_agreed = 只有达成调解协议的才需要履行。
error-session_recorded = 这次调解会议已经记录过了。
error-session_not_started = 调解会议开始后才能记录。
error-fulfilment_step_refused = 调解协议目前不能进行这一步。
