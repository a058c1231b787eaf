# The page that says how figures are counted (/help/figures, docs/metrics.md). Messages
# hold inline HTML (<b>); the page passes every setting they name as a variable.

figures-every-figure-on-this = 本平台所有指标（工作台、报表、导出、单位名录、考核名单以及移送 12315 的案卷）都按以下规则计算；同一个问题在任何地方查询，得到的数字都相同。日期按北京时间计算。
figures-deadlines = 处理期限
figures-unless-the-region-or = 所在地区或行业未另定规则的，经营者应在受理后 { $first_contact_days } 个工作日内首次响应、{ $settlement_days } 个工作日内办结（受理当日不计；法定节假日不计，调休上班日计入）。每件纠纷的页面都列出它自己的期限及计算方法。
figures-when-handling-ends = 何时算“办结”
figures-a-business-s-handling = 经营者对一件纠纷的处理，在以下情形中最先发生的一项时即告办结：达成<b>和解协议</b>（消费者接受和解方案；履行在其后）、消费者<b>撤回</b>、经营者书面<b>拒绝和解</b>、或<b>转 12315 处理</b>（消费者申请、监管部门提级，或期限届满）。被监管部门认定为非消费纠纷的，不计入经营者的指标。
figures-on-time-rate = 按时办结率
figures-of-the-disputes-whose = 在本期办结的纠纷，加上期末（本期尚未结束的，截至此刻）仍未办结且已超过办结期限的纠纷中，按时办结的比例。
figures-on-time-an-agreement = 按时：在办结期限内达成和解、撤回或拒绝和解；经营者按时首次响应后，消费者在期限内申请（或监管部门提级）转 12315 处理的，视为经营者已尽责，也算按时。
figures-late-every-escalation-because = 超时：因期限届满而转办的，以及其他在期限之后才办结的。
figures-a-dispute-whose-due = 办结期限尚未到的纠纷不算超期。纠纷暂停期间（例如检测鉴定）不计时。
figures-settlement-rate = 和解成功率
figures-agreements-agreements-escalations-over = 和解数 ÷（和解数 + 转 12315 数），按本期办结的纠纷计算。经营者拒绝和解后，纠纷转 12315 处理，在此计入转办数（如在期限内拒绝，按时办结率仍算按时）。已达成的和解协议后来被反映未履行而转办的，在转办当期从和解数移入转办数（因此某月的和解数可能少于当月达成的数量）。
figures-first-contact-rate = 首次响应及时率
figures-first-contact-is-the = 首次响应指经营者的第一次答复：一条消息、一个和解方案或一份书面拒绝。及时率是在首次响应期限内答复的比例。每件纠纷只计一次：按时答复的计入答复当期，否则计入首次响应期限所在的当期。消费者在该期限前撤回且经营者尚未答复的，不计入。
figures-satisfaction = 满意度
figures-the-consumers-ratings-1 = 本期办结纠纷中消费者的评价（1–5 星）：平均分，以及 4–5 星所占比例。
figures-other-figures = 其他指标
figures-average-cycle-working-days = 平均办理工作日：从受理到办结的工作日数的平均值。
figures-loss-recovered-the-amounts = 挽回经济损失：消费者确认已履行的和解金额之和。
figures-complaint-to-case-escalations = 诉转案：监管部门立案查处的转办纠纷数。
figures-activity-units-whose-staff = 活跃度：有纠纷的单位中，工作人员处理过纠纷的单位所占比例。
figures-open-and-overdue-disputes = 期末超期未结：期末（或此刻）仍在处理、且已超过办结期限的纠纷数。
figures-evaluation = 考核名单
figures-over-the-last-days = 按最近 { $window_days } 天计算，按时办结率低于 { $min_on_time_rate }、和解成功率低于 { $min_settlement_rate }，或超过首次响应期限仍未答复的纠纷多于 { $max_unanswered } 件的单位，列入监管部门的考核名单；是否警示、暂停或移出，由监管部门决定。
figures-alerts-to-regulators = 预警
figures-mass-complaint-at-least = 群体投诉：{ $mass_complaint_hours } 小时内至少 { $mass_complaint_count } 位<b>不同</b>消费者投诉同一经营者（同一消费者的多次投诉属于重复投诉，不算群体投诉）。
figures-repeat-a-consumer-s = 重复投诉：同一消费者 { $repeat_consumer_days } 天内再次投诉同一经营者；或同一经营者 { $repeat_unit_days } 天内第 { $repeat_unit_count } 件纠纷。
figures-major-a-claim-of = 重大纠纷：索赔金额达到 { $major_yuan } 元。敏感纠纷：描述中提及媒体、曝光、食物中毒等词语。违反承诺：承诺线下无理由退货的经营者拒绝退货。
