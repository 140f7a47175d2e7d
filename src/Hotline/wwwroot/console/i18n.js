'use strict';
// The console's words in each language staff can choose. A missing key falls back to English, then to the key.
const I18N = (() => {
  const words = {
    'en-US': {
      'app.title': 'Hotline',
      'nav.board': 'Live board', 'nav.calls': 'Call log', 'nav.voicemails': 'Voicemail', 'nav.needs': 'Needs',
      'nav.residents': 'Residents', 'nav.supervisor': 'Supervisor', 'nav.logout': 'Log out', 'nav.language': 'Language',
      'login.title': 'Hotline console', 'login.username': 'Username', 'login.password': 'Password', 'login.submit': 'Log in',
      'login.wrong': 'Wrong username or password.', 'login.locked': 'Too many failed logins. Try again in {seconds} s.',
      'login.missing': 'Enter your username and password.', 'login.failed': 'Login failed ({status}).',
      'board.onDuty': 'On duty', 'board.offDuty': 'Off duty', 'board.goOnDuty': 'Go on duty', 'board.goOffDuty': 'Go off duty',
      'board.takeNext': 'Take next call', 'board.takeNextQueued': 'Ringing your phone for the next caller ({queue})…',
      'board.queues': 'Waiting callers', 'board.queue.urgent': 'Urgent queue', 'board.queue.general': 'General queue',
      'board.noneWaiting': 'Nobody is waiting.', 'board.waited': 'waiting {time}',
      'board.urgentNeeds': 'Urgent needs to acknowledge', 'board.noUrgent': 'No urgent need is waiting for acknowledgement.',
      'board.staff': 'On duty now', 'board.noStaff': 'Nobody is on duty.', 'board.available': 'available',
      'board.onCall': 'on a call', 'board.ringing': 'phone ringing', 'board.callbacks': 'Due callbacks',
      'board.noCallbacks': 'No callback is due.', 'board.attempts': '{count} tries', 'board.dutyFor': 'on duty {time}', 'board.counts': '{open} open needs · {unheard} unheard voicemails',
      'board.live': 'live', 'board.offline': 'reconnecting…',
      'need.acknowledge': 'Acknowledge', 'need.left': '{time} left', 'need.overdue': 'overdue {time}',
      'need.reference': 'Reference', 'need.category': 'Category', 'need.urgency': 'Urgency', 'need.status': 'Status',
      'need.caller': 'Caller', 'need.assigned': 'Assigned to', 'need.deadline': 'Acknowledge by', 'need.created': 'Opened',
      'need.summary': 'Summary', 'need.resident': 'Resident', 'need.flags': 'Flags', 'need.address': 'Address', 'need.careNotes': 'Care notes',
      'need.assign': 'Assign', 'need.assignMe': 'Assign to me', 'need.unassigned': 'nobody', 'need.note': 'Add a note', 'need.addNote': 'Add note',
      'need.classify': 'Change category or urgency', 'need.save': 'Save', 'need.resolve': 'Resolve', 'need.outcome': 'Outcome',
      'need.resolution': 'Resolution', 'need.calls': 'Calls', 'need.voicemails': 'Voicemails', 'need.messages': 'Messages',
      'need.callbacks': 'Callbacks', 'need.escalations': 'Escalations', 'need.notes': 'Notes', 'need.audit': 'Audit trail',
      'need.none': 'None.', 'need.acknowledgedAt': 'Acknowledged', 'audit.actor': 'Who', 'audit.action': 'Action', 'need.acknowledgedBy': 'Acknowledged by {name} at {time}', 'need.open': 'Open needs',
      'need.closed': 'Closed today', 'need.empty': 'No needs here.', 'need.phone': 'Phone',
      'calls.filters': 'Filters', 'calls.outcome': 'Outcome', 'calls.category': 'Category', 'calls.phone': 'Phone', 'calls.since': 'From',
      'calls.until': 'To', 'calls.apply': 'Show', 'calls.export': 'Export CSV', 'calls.more': 'More', 'calls.any': 'any',
      'calls.started': 'Started', 'calls.direction': 'Direction', 'calls.status': 'Status', 'calls.queue': 'Queue',
      'calls.duration': 'Duration', 'calls.need': 'Need', 'calls.empty': 'No calls in this range.', 'calls.events': 'Timeline',
      'calls.event': 'Event', 'calls.detail': 'Detail', 'calls.time': 'Time', 'calls.voicemail': 'Voicemail',
      'vm.unheard': 'Unheard', 'vm.heard': 'Heard by {name} {time}', 'vm.markHeard': 'Mark heard', 'vm.makeNeed': 'Make a need',
      'vm.openNeed': 'Need {reference}', 'vm.callBack': 'Call back', 'vm.noTranscript': '(no transcript yet)',
      'vm.empty': 'No voicemails.', 'vm.duration': '{seconds} s', 'vm.callbackQueued': 'Callback queued.',
      'res.search': 'Search by name or number', 'res.find': 'Search', 'res.empty': 'No residents found.', 'res.name': 'Name',
      'res.phone': 'Phone', 'res.language': 'Language', 'res.flags': 'Flags', 'res.careNotes': 'Care notes', 'res.save': 'Save',
      'res.saved': 'Saved.', 'res.history': 'History', 'res.calls': 'Calls', 'res.needs': 'Needs', 'res.messages': 'Messages',
      'res.unknownLanguage': 'not set', 'res.wellness': 'Wellness calls', 'res.attempts': 'Tries',
      'sup.figures': 'Last 24 hours', 'sup.callsReceived': 'Calls received', 'sup.answered': 'Answered', 'sup.abandonedMenu': 'Abandoned in menu',
      'sup.abandonedQueue': 'Abandoned in queue', 'sup.missed': 'Missed', 'sup.voicemails': 'Voicemails', 'sup.callbacksRequested': 'Callbacks requested',
      'sup.medianAnswer': 'Median answer time', 'sup.p90Answer': '90% answered within', 'sup.deadlinesKept': 'Urgent deadlines kept',
      'sup.needsResolved': 'Needs resolved', 'sup.byCategory': 'Needs by category', 'sup.opened': 'Opened', 'sup.resolved': 'Resolved',
      'sup.escalations': 'Open escalations', 'sup.noEscalations': 'No open escalation.', 'sup.overdue': 'Overdue needs',
      'sup.staff': 'Staff', 'sup.role': 'Role', 'sup.onDuty': 'On duty', 'sup.level': 'Escalation level', 'sup.save': 'Save',
      'sup.jobs': 'Job dashboard (Hangfire)', 'sup.perHour': 'Calls per hour', 'sup.byOutcome': 'Needs resolved by outcome', 'sup.callbacksMade': 'Callbacks made', 'sup.callbacksCompleted': 'Callbacks completed', 'sup.needsOpened': 'Needs opened', 'sup.trips': 'Medical trips arranged', 'sup.medicine': 'Medicine runs', 'sup.food': 'Food parcels', 'sup.wellnessWell': 'Wellness calls: well', 'sup.wellnessHelp': 'Wellness calls: need help', 'sup.wellnessNotReached': 'Wellness calls: not reached', 'sup.dailyReport': 'Daily report {day} (CSV)', 'sup.wellnessRound': 'Wellness round {day}', 'sup.roundTotal': 'Residents to call', 'sup.roundReached': 'Reached', 'sup.roundInProgress': 'Still calling', 'sup.roundCalledIn': 'Called us first', 'sup.saved': 'Saved.',
      'forbidden': 'This page is for supervisors only.',
      'error': 'Something went wrong: {message}',
      'yes': 'yes', 'no': 'no',
      'cat.urgent_medical': 'Urgent medical', 'cat.medicine': 'Medicine', 'cat.food': 'Food and supplies', 'cat.meals': 'Meals for the elderly', 'cat.other': 'Other',
      'urg.urgent': 'urgent', 'urg.high': 'high', 'urg.normal': 'normal',
      'status.open': 'open', 'status.acknowledged': 'acknowledged', 'status.resolved': 'resolved', 'status.cancelled': 'cancelled',
      'out.answered': 'answered', 'out.abandoned_in_ivr': 'abandoned in menu', 'out.abandoned_in_queue': 'abandoned in queue',
      'out.voicemail': 'voicemail', 'out.callback_requested': 'callback requested', 'out.missed': 'missed',
      'done.trip_arranged': 'trip arranged', 'done.medicine_delivered': 'medicine delivered', 'done.food_delivered': 'food parcel delivered',
      'done.meals_delivered': 'meals delivered', 'done.visit_made': 'visit made', 'done.referred': 'referred', 'done.no_longer_needed': 'no longer needed',
      'done.unreachable': 'unreachable', 'done.other': 'other',
      'flag.dialysis': 'dialysis', 'flag.pregnant': 'pregnant', 'flag.elderly_alone': 'elderly, alone', 'flag.disabled': 'disabled',
      'lang.zh-CN': '中文', 'lang.en-US': 'English', 'role.operator': 'operator', 'role.supervisor': 'supervisor',
    },
    'zh-CN': {
      'app.title': '热线',
      'nav.board': '实时看板', 'nav.calls': '通话记录', 'nav.voicemails': '语音留言', 'nav.needs': '需求', 'nav.residents': '居民',
      'nav.supervisor': '主管', 'nav.logout': '退出', 'nav.language': '语言',
      'login.title': '热线工作台', 'login.username': '用户名', 'login.password': '密码', 'login.submit': '登录',
      'login.wrong': '用户名或密码错误。', 'login.locked': '登录失败次数过多，请 {seconds} 秒后再试。',
      'login.missing': '请输入用户名和密码。', 'login.failed': '登录失败（{status}）。',
      'board.onDuty': '在岗', 'board.offDuty': '离岗', 'board.goOnDuty': '上岗', 'board.goOffDuty': '离岗',
      'board.takeNext': '接听下一个来电', 'board.takeNextQueued': '正在呼叫您的电话，接通下一位来电者（{queue}）…',
      'board.queues': '排队来电', 'board.queue.urgent': '紧急队列', 'board.queue.general': '普通队列',
      'board.noneWaiting': '没有人在排队。', 'board.waited': '已等待 {time}',
      'board.urgentNeeds': '待确认的紧急需求', 'board.noUrgent': '没有待确认的紧急需求。',
      'board.staff': '当前在岗', 'board.noStaff': '没有人在岗。', 'board.available': '空闲', 'board.onCall': '通话中',
      'board.ringing': '电话振铃中', 'board.callbacks': '待回电', 'board.noCallbacks': '没有到期的回电。', 'board.attempts': '已尝试 {count} 次', 'board.dutyFor': '在岗 {time}',
      'board.counts': '{open} 个未结需求 · {unheard} 条未听留言', 'board.live': '实时', 'board.offline': '正在重新连接…',
      'need.acknowledge': '确认', 'need.left': '剩余 {time}', 'need.overdue': '已超时 {time}',
      'need.reference': '编号', 'need.category': '类别', 'need.urgency': '紧急程度', 'need.status': '状态', 'need.caller': '来电者',
      'need.assigned': '负责人', 'need.deadline': '确认期限', 'need.created': '创建时间', 'need.summary': '摘要', 'need.resident': '居民',
      'need.flags': '标记', 'need.address': '地址', 'need.careNotes': '照护备注', 'need.assign': '指派', 'need.assignMe': '指派给我',
      'need.unassigned': '无', 'need.note': '添加备注', 'need.addNote': '添加备注', 'need.classify': '修改类别或紧急程度',
      'need.save': '保存', 'need.resolve': '办结', 'need.outcome': '结果', 'need.resolution': '办结结果', 'need.calls': '通话',
      'need.voicemails': '语音留言', 'need.messages': '短信', 'need.callbacks': '回电', 'need.escalations': '升级提醒', 'need.notes': '备注',
      'need.audit': '操作记录', 'need.none': '无。', 'need.acknowledgedAt': '确认', 'audit.actor': '操作人', 'audit.action': '操作', 'need.acknowledgedBy': '{name} 于 {time} 确认', 'need.open': '未结需求',
      'need.closed': '今日已结', 'need.empty': '没有需求。', 'need.phone': '电话',
      'calls.filters': '筛选', 'calls.outcome': '结果', 'calls.category': '类别', 'calls.phone': '电话', 'calls.since': '从',
      'calls.until': '到', 'calls.apply': '显示', 'calls.export': '导出 CSV', 'calls.more': '更多', 'calls.any': '全部',
      'calls.started': '开始时间', 'calls.direction': '方向', 'calls.status': '状态', 'calls.queue': '队列', 'calls.duration': '时长',
      'calls.need': '需求', 'calls.empty': '此时间段没有通话。', 'calls.events': '时间线', 'calls.event': '事件', 'calls.detail': '详情',
      'calls.time': '时间', 'calls.voicemail': '留言',
      'vm.unheard': '未听', 'vm.heard': '{name} {time} 已听', 'vm.markHeard': '标为已听', 'vm.makeNeed': '生成需求',
      'vm.openNeed': '需求 {reference}', 'vm.callBack': '回电', 'vm.noTranscript': '（暂无文字记录）', 'vm.empty': '没有留言。',
      'vm.duration': '{seconds} 秒', 'vm.callbackQueued': '已加入回电。',
      'res.search': '按姓名或电话搜索', 'res.find': '搜索', 'res.empty': '没有找到居民。', 'res.name': '姓名', 'res.phone': '电话',
      'res.language': '语言', 'res.flags': '标记', 'res.careNotes': '照护备注', 'res.save': '保存', 'res.saved': '已保存。',
      'res.history': '记录', 'res.calls': '通话', 'res.needs': '需求', 'res.messages': '短信', 'res.unknownLanguage': '未设置', 'res.wellness': '问候电话', 'res.attempts': '尝试次数',
      'sup.figures': '最近24小时', 'sup.callsReceived': '来电', 'sup.answered': '已接听', 'sup.abandonedMenu': '菜单中挂断',
      'sup.abandonedQueue': '排队中挂断', 'sup.missed': '未接通', 'sup.voicemails': '语音留言', 'sup.callbacksRequested': '请求回电',
      'sup.medianAnswer': '接听时间中位数', 'sup.p90Answer': '90% 在此时间内接听', 'sup.deadlinesKept': '紧急需求按时确认',
      'sup.needsResolved': '已办结需求', 'sup.byCategory': '按类别的需求', 'sup.opened': '新建', 'sup.resolved': '办结',
      'sup.escalations': '未处理的升级提醒', 'sup.noEscalations': '没有未处理的升级提醒。', 'sup.overdue': '超时需求',
      'sup.staff': '工作人员', 'sup.role': '角色', 'sup.onDuty': '在岗', 'sup.level': '升级级别', 'sup.save': '保存',
      'sup.jobs': '任务面板（Hangfire）', 'sup.perHour': '每小时来电', 'sup.byOutcome': '按结果的已办结需求', 'sup.callbacksMade': '已回电', 'sup.callbacksCompleted': '回电接通', 'sup.needsOpened': '新建需求', 'sup.trips': '安排就医', 'sup.medicine': '代购药品', 'sup.food': '食品包', 'sup.wellnessWell': '问候电话：安好', 'sup.wellnessHelp': '问候电话：需要帮助', 'sup.wellnessNotReached': '问候电话：未接通', 'sup.dailyReport': '日报 {day}（CSV）', 'sup.wellnessRound': '问候电话 {day}', 'sup.roundTotal': '应问候居民', 'sup.roundReached': '已接通', 'sup.roundInProgress': '呼叫中', 'sup.roundCalledIn': '已主动来电', 'sup.saved': '已保存。',
      'forbidden': '此页面仅供主管使用。',
      'error': '出错了：{message}',
      'yes': '是', 'no': '否',
      'cat.urgent_medical': '紧急就医', 'cat.medicine': '买药', 'cat.food': '食品物资', 'cat.meals': '老人送餐', 'cat.other': '其他',
      'urg.urgent': '紧急', 'urg.high': '较急', 'urg.normal': '一般',
      'status.open': '待确认', 'status.acknowledged': '已确认', 'status.resolved': '已办结', 'status.cancelled': '已取消',
      'out.answered': '已接听', 'out.abandoned_in_ivr': '菜单中挂断', 'out.abandoned_in_queue': '排队中挂断', 'out.voicemail': '留言',
      'out.callback_requested': '请求回电', 'out.missed': '未接通',
      'done.trip_arranged': '已安排就医', 'done.medicine_delivered': '药品已送达', 'done.food_delivered': '食品包已送达',
      'done.meals_delivered': '餐食已送达', 'done.visit_made': '已上门', 'done.referred': '已转介', 'done.no_longer_needed': '不再需要',
      'done.unreachable': '无法联系', 'done.other': '其他',
      'flag.dialysis': '透析', 'flag.pregnant': '孕妇', 'flag.elderly_alone': '独居老人', 'flag.disabled': '残障',
      'lang.zh-CN': '中文', 'lang.en-US': 'English', 'role.operator': '接线员', 'role.supervisor': '主管',
    },
  };

  function pick(language) {
    if (words[language]) return language;
    return String(language || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US';
  }

  function t(language, key, vars) {
    const text = (words[pick(language)] || {})[key] ?? words['en-US'][key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : '')) : text;
  }

  // A term from the database (category, outcome...) shown in words when we have them, as it is otherwise.
  function term(language, prefix, value) {
    if (value === null || value === undefined || value === '') return '';
    const key = prefix + '.' + value;
    const text = t(language, key);
    return text === key ? String(value) : text;
  }

  return { t, term, pick, languages: Object.keys(words) };
})();
