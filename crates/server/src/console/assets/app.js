// Rampart console: a small single-page UI over POST /console/api/<product>/<Action>.
// Every action is an API call made as the logged-on principal; the server
// authorizes it with the same policy engine as the signed API.
'use strict';

const state = { csrf: null, principal: null, settings: {} };
let seq = 0;
const uid = (p) => `${p}-${++seq}`;
const $ = (sel, root = document) => root.querySelector(sel);

// ---------------------------------------------------------------- DOM helpers

function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : String(kid));
  }
  return el;
}

function field(label, input, hint) {
  if (!input.id) input.id = uid('f');
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: uid('hint') }, hint);
    input.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl);
}

function radios(legend, name, options, selected, onchange) {
  const fs = h('fieldset', {}, h('legend', {}, legend));
  for (const o of options) {
    const id = uid('r');
    const input = h('input', { type: 'radio', id, name, value: o.value, checked: o.value === selected });
    input.addEventListener('change', () => onchange && onchange(o.value));
    fs.append(h('div', { class: 'choice' }, input, h('label', { for: id }, o.label)));
  }
  return fs;
}

function checkbox(label, checked, onchange) {
  const id = uid('c');
  const input = h('input', { type: 'checkbox', id, checked });
  if (onchange) input.addEventListener('change', () => onchange(input.checked));
  return { input, el: h('div', { class: 'choice' }, input, h('label', { for: id }, label)) };
}

function select(options, value) {
  const s = h('select', {});
  for (const o of options) {
    const opt = typeof o === 'string' ? { value: o, label: o } : o;
    s.append(h('option', { value: opt.value, selected: opt.value === value }, opt.label));
  }
  return s;
}

function button(label, onclick, cls) {
  return h('button', { type: 'button', class: cls, onclick }, label);
}

function table(caption, columns, rows, empty) {
  const t = h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))));
  const body = h('tbody');
  if (!rows.length) {
    body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty || 'No data.')));
  }
  for (const r of rows) {
    body.append(h('tr', {}, columns.map((c) => h('td', { class: c.cls }, c.render(r)))));
  }
  t.append(body);
  return t;
}

function info(pairs) {
  const dl = h('dl', { class: 'info' });
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    dl.append(h('dt', {}, k), h('dd', {}, v === null || v === '' ? '—' : v));
  }
  return dl;
}

function link(text, hash) {
  return h('a', { href: hash }, text);
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// A number of seconds in words: `2 days`, `6 hours`, `90 seconds`.
function duration(secs) {
  const s = Number(secs) || 0;
  if (s && s % 86400 === 0) return plural(s / 86400, 'day');
  if (s && s % 3600 === 0) return plural(s / 3600, 'hour');
  if (s && s % 60 === 0) return plural(s / 60, 'minute');
  return plural(s, 'second');
}

// The longest RotationInterval the API takes.
const MAX_ROTATION_SECONDS = 365 * 86400;

// The rotation period of a RAM secret: a number and a unit, from the
// server's --min-rotation-interval (told by /console/api/session) to 365 days.
function rotationPeriod(initialSeconds) {
  const min = Math.max(1, Number(state.settings.MinRotationInterval) || 6 * 3600);
  let unit = 86400;
  let amount = 30;
  const initial = Number(initialSeconds) || 0;
  if (initial && initial % 86400 === 0) amount = initial / 86400;
  else if (initial && initial % 3600 === 0) [unit, amount] = [3600, initial / 3600];
  if (amount * unit < min) amount = Math.ceil(min / unit);
  const input = h('input', { type: 'number', step: '1', value: String(amount), inputmode: 'numeric' });
  const unitSel = select([{ value: '86400', label: 'Days' }, { value: '3600', label: 'Hours' }], String(unit));
  const bounds = () => {
    const u = Number(unitSel.value);
    input.min = String(Math.max(1, Math.ceil(min / u)));
    input.max = String(MAX_ROTATION_SECONDS / u);
  };
  unitSel.addEventListener('change', bounds);
  bounds();
  const hint = `From ${duration(min)} (the server's smallest rotation interval) to 365 days.`;
  const el = h('div', { class: 'period' }, field('Rotation Period', input, hint), field('Period Unit', unitSel));
  return {
    el,
    // The RotationInterval to send (`30d`, `6h`); throws when out of bounds.
    value() {
      const n = Number(input.value);
      const u = Number(unitSel.value);
      if (!Number.isInteger(n) || n < 1) throw new Error('Enter the rotation period as a whole number.');
      if (n * u < min) throw new Error(`The rotation period must be at least ${duration(min)}, the server's smallest rotation interval.`);
      if (n * u > MAX_ROTATION_SECONDS) throw new Error('The rotation period must be at most 365 days.');
      return `${n}${u === 86400 ? 'd' : 'h'}`;
    },
  };
}

const enc = encodeURIComponent;
const list = (v, key) => (v && v[key]) || [];

// ---------------------------------------------------------------- API calls

class ApiError extends Error {
  constructor(status, body) {
    super(`${body.Code || 'Error'}: ${body.Message || 'HTTP ' + status}`);
    this.status = status;
    this.body = body;
  }
}

async function post(url, params) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null) body.append(k, String(v));
  }
  const r = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': state.csrf || '', 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  let data;
  try {
    data = await r.json();
  } catch (_e) {
    data = { Code: 'Console.BadResponse', Message: `The server answered HTTP ${r.status} without JSON.` };
  }
  if (r.status === 401 && data.Code === 'Console.NotLoggedOn') {
    showLogin('Your session has ended. Log on again.');
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

const api = (product, action, params) => post(`/console/api/${product}/${action}`, params);

async function listAll(action, key, inner, params) {
  const out = [];
  let marker;
  for (let i = 0; i < 100; i++) {
    const r = await api('ram', action, { ...(params || {}), MaxItems: 1000, Marker: marker });
    out.push(...list(r[key], inner));
    if (!r.IsTruncated || !r.Marker) break;
    marker = r.Marker;
  }
  return out;
}

function errorBox(err) {
  const body = err instanceof ApiError ? err.body : { Code: 'Console.Error', Message: String(err && err.message || err) };
  const box = h('div', { class: 'alert' },
    h('span', { class: 'code' }, body.Code || 'Error'), ': ', body.Message || '');
  if (body.RequestId) box.append(h('div', { class: 'hint' }, `RequestId: ${body.RequestId}`));
  if (body.Code === 'NoPermission' || body.Code === 'Forbidden.NoPermission') {
    const m = /Resource: (\S+) Action: (\S+)/.exec(body.Message || '');
    const p = state.principal || {};
    if (m && p.Type === 'User') {
      const q = new URLSearchParams({ type: 'User', name: p.UserName, action: m[2], resource: m[1] });
      box.append(h('div', {}, link('Why was this denied? Explain it in the Policy Simulator', `#/simulator?${q}`)));
    }
  }
  return box;
}

// Runs fn; shows its error in slot (or the page's alert area).
async function attempt(slot, fn) {
  const target = slot || $('#alerts');
  target.replaceChildren();
  try {
    return await fn();
  } catch (e) {
    target.replaceChildren(errorBox(e));
    return undefined;
  }
}

function notice(text) {
  $('#alerts').replaceChildren(h('div', { class: 'notice', role: 'status' }, text));
}

// Inline confirmation (no window.confirm: it is not keyboard-friendly in every browser).
function confirmInline(host, message, label, fn) {
  const slot = h('div', { role: 'alert' });
  const box = h('div', { class: 'warning' }, h('p', {}, message), slot,
    h('div', { class: 'buttons' },
      button(label, async () => { await attempt(slot, fn); }, 'danger'),
      button('Cancel', () => box.remove(), 'secondary')));
  host.append(box);
  box.querySelector('button').focus();
}

// ---------------------------------------------------------------- policy JSON

function jsonError(text) {
  if (!text.trim()) return { message: 'The policy document is empty.' };
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const msg = String(e.message || e);
    let pos = null;
    const m = /position (\d+)/.exec(msg);
    if (m) pos = Number(m[1]);
    let line = null;
    let col = null;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    if (lc) {
      line = Number(lc[1]);
      col = Number(lc[2]);
    } else if (pos !== null) {
      const before = text.slice(0, pos).split('\n');
      line = before.length;
      col = before[before.length - 1].length + 1;
    } else if (/Unexpected end/.test(msg)) {
      const all = text.split('\n');
      line = all.length;
      col = all[all.length - 1].length + 1;
    }
    const where = line !== null ? `line ${line}, column ${col}` : 'unknown position';
    return { message: `JSON syntax error at ${where}: ${msg.replace(/ in JSON.*$/, '')}`, line, col };
  }
}

// A textarea that validates its JSON as the user types.
// RAM authorizes its own actions on `acs:ram:*:<account>:…` (region `*`);
// the `acs:ram::<account>:…` form that GetRole and GetUser print is what
// sts:AssumeRole is checked on, and matches no RAM action.
function ramArnNote(resource) {
  return `\`${resource}\` can match no RAM action: RAM authorizes its actions on \`${resource.replace(/^acs:ram::/i, 'acs:ram:*:')}\` `
    + '(region *). The acs:ram::… form that GetRole and GetUser print is only what sts:AssumeRole is checked on.';
}

// Notes on a policy document's resources that can match no RAM action.
function ramResourceHints(text) {
  let doc;
  try { doc = JSON.parse(text); } catch (_e) { return []; }
  const arr = (v) => (Array.isArray(v) ? v : (v === undefined || v === null ? [] : [v]));
  const out = [];
  for (const st of arr(doc && doc.Statement)) {
    if (!st || typeof st !== 'object') continue;
    const ram = arr(st.Action).some((a) => typeof a === 'string' && /^(\*|ram:)/i.test(a));
    if (!ram) continue;
    for (const r of arr(st.Resource)) {
      if (typeof r === 'string' && /^acs:ram::/i.test(r)) {
        const note = ramArnNote(r);
        if (!out.includes(note)) out.push(note);
      }
    }
  }
  return out;
}

function jsonEditor(label, initial, rows) {
  const ta = h('textarea', { rows: rows || 14, cols: 80, spellcheck: 'false' });
  ta.value = initial || '';
  const status = h('p', { class: 'validation', id: uid('v'), 'aria-live': 'polite' });
  const hints = h('ul', { class: 'hint', 'aria-label': 'Notes on the document' });
  ta.setAttribute('aria-describedby', status.id);
  const check = () => {
    const err = jsonError(ta.value);
    status.className = `validation ${err ? 'bad' : 'ok'}`;
    status.textContent = err ? err.message : 'The document is valid JSON.';
    ta.setAttribute('aria-invalid', err ? 'true' : 'false');
    hints.replaceChildren(...(err ? [] : ramResourceHints(ta.value)).map((n) => h('li', {}, n)));
    hints.hidden = hints.childElementCount === 0;
    return !err;
  };
  ta.addEventListener('input', check);
  check();
  if (!ta.id) ta.id = uid('f');
  const el = h('div', { class: 'field' }, h('label', { for: ta.id }, label), ta, status, hints);
  return { el, textarea: ta, check };
}

// Moves the caret to the line and column an engine error names, if it names one.
function caretAt(textarea, err) {
  const m = /line (\d+),? column (\d+)/.exec((err && err.body && err.body.Message) || '');
  if (!m) return;
  const lines = textarea.value.split('\n');
  const line = Math.min(Number(m[1]), lines.length);
  let pos = 0;
  for (let i = 0; i < line - 1; i++) pos += lines[i].length + 1;
  pos += Math.max(0, Number(m[2]) - 1);
  textarea.focus();
  textarea.setSelectionRange(pos, pos);
}

const pretty = (text) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_e) {
    return text;
  }
};

const SERVICES = [
  { value: 'ram', label: 'Resource Access Management (ram)' },
  { value: 'kms', label: 'Key Management Service (kms)' },
  { value: 'sts', label: 'Security Token Service (sts)' },
];

const ACTIONS = {
  ram: ['CreateUser', 'GetUser', 'UpdateUser', 'DeleteUser', 'ListUsers', 'CreateAccessKey', 'ListAccessKeys',
    'UpdateAccessKey', 'DeleteAccessKey', 'GetAccessKeyLastUsed', 'CreateGroup', 'GetGroup', 'UpdateGroup',
    'DeleteGroup', 'ListGroups', 'AddUserToGroup', 'RemoveUserFromGroup', 'ListGroupsForUser', 'ListUsersForGroup',
    'CreateLoginProfile', 'GetLoginProfile', 'UpdateLoginProfile', 'DeleteLoginProfile', 'CreatePolicy', 'GetPolicy',
    'DeletePolicy', 'ListPolicies', 'UpdatePolicyDescription', 'CreatePolicyVersion', 'GetPolicyVersion',
    'DeletePolicyVersion', 'ListPolicyVersions', 'SetDefaultPolicyVersion', 'AttachPolicyToUser',
    'DetachPolicyFromUser', 'AttachPolicyToGroup', 'DetachPolicyFromGroup', 'AttachPolicyToRole',
    'DetachPolicyFromRole', 'ListPoliciesForUser', 'ListPoliciesForGroup', 'ListPoliciesForRole',
    'ListEntitiesForPolicy', 'CreateRole', 'GetRole', 'UpdateRole', 'DeleteRole', 'ListRoles',
    'CreateServiceLinkedRole', 'PassRole'],
  kms: ['CreateSecret', 'GetSecretValue', 'PutSecretValue', 'DescribeSecret', 'ListSecrets', 'ListSecretVersionIds',
    'UpdateSecret', 'UpdateSecretVersionStage', 'DeleteSecret', 'RestoreSecret', 'RotateSecret',
    'UpdateSecretRotationPolicy', 'GetSecretPolicy', 'SetSecretPolicy', 'TagResource', 'UntagResource', 'CreateKey',
    'DescribeKey', 'ListKeys', 'Encrypt', 'Decrypt', 'GenerateDataKey', 'EnableKey', 'DisableKey',
    'ScheduleKeyDeletion', 'CancelKeyDeletion', 'CreateAlias', 'ListAliases', 'GetRandomPassword'],
  sts: ['AssumeRole', 'GetCallerIdentity'],
};

// Visual policy editor: statements of effect, service, actions and resources.
function visualEditor(onchange) {
  const statements = [];
  const host = h('div', {});
  const preview = h('pre', { class: 'doc', 'aria-label': 'Preview of the generated JSON' });
  const doc = () => JSON.stringify({
    Version: '1',
    Statement: statements.map((s) => ({
      Effect: s.effect,
      Action: s.all ? [`${s.service}:*`] : s.actions.map((a) => `${s.service}:${a}`),
      Resource: s.resources.split('\n').map((r) => r.trim()).filter(Boolean),
    })),
  }, null, 2);
  const changed = () => {
    preview.textContent = doc();
    onchange(doc());
  };
  const render = () => {
    host.replaceChildren();
    statements.forEach((s, i) => {
      const fs = h('fieldset', {}, h('legend', {}, `Statement ${i + 1}`));
      fs.append(radios('Effect', uid('effect'), [{ value: 'Allow', label: 'Allow' }, { value: 'Deny', label: 'Deny' }],
        s.effect, (v) => { s.effect = v; changed(); }));
      const svc = select(SERVICES, s.service);
      svc.addEventListener('change', () => { s.service = svc.value; s.actions = []; render(); changed(); });
      fs.append(field('Service', svc));
      const acts = h('fieldset', {}, h('legend', {}, 'Actions'));
      const all = checkbox(`All Actions (${s.service}:*)`, s.all, (v) => { s.all = v; render(); changed(); });
      acts.append(all.el);
      if (!s.all) {
        const box = h('div', { class: 'checklist' });
        for (const a of ACTIONS[s.service]) {
          const c = checkbox(`${s.service}:${a}`, s.actions.includes(a), (v) => {
            s.actions = v ? [...s.actions, a] : s.actions.filter((x) => x !== a);
            changed();
          });
          box.append(c.el);
        }
        acts.append(box);
      }
      fs.append(acts);
      const res = h('textarea', { rows: 3, cols: 60 });
      res.value = s.resources;
      res.addEventListener('input', () => { s.resources = res.value; changed(); });
      fs.append(field('Resources', res, 'One resource ARN per line, for example acs:ram:*:*:user/* or *.'));
      if (statements.length > 1) {
        fs.append(button('Remove Statement', () => { statements.splice(i, 1); render(); changed(); }, 'secondary'));
      }
      host.append(fs);
    });
  };
  const add = (s) => {
    statements.push(s || { effect: 'Allow', service: 'ram', all: false, actions: [], resources: '*' });
  };
  add();
  render();
  const el = h('div', {}, host,
    button('Add Statement', () => { add(); render(); changed(); }, 'secondary'),
    h('h3', {}, 'Policy Document Preview'), preview);
  preview.textContent = doc();
  return {
    el,
    doc,
    // Loads a document when it fits the visual editor; false when it does not.
    load(text) {
      let d;
      try {
        d = JSON.parse(text);
      } catch (_e) {
        return false;
      }
      const sts = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
      const parsed = [];
      for (const st of sts) {
        if (!st || st.Condition || st.NotAction || st.NotResource || st.Principal) return false;
        const acts = [].concat(st.Action || []);
        const svc = acts.length ? String(acts[0]).split(':')[0] : 'ram';
        if (!ACTIONS[svc] || acts.some((a) => String(a).split(':')[0] !== svc)) return false;
        const names = acts.map((a) => String(a).split(':')[1]);
        const all = names.includes('*');
        if (!all && names.some((n) => !ACTIONS[svc].includes(n))) return false;
        parsed.push({ effect: st.Effect === 'Deny' ? 'Deny' : 'Allow', service: svc, all, actions: all ? [] : names,
          resources: [].concat(st.Resource || []).join('\n') });
      }
      statements.splice(0, statements.length, ...parsed);
      if (!statements.length) add();
      render();
      changed();
      return true;
    },
  };
}

// ---------------------------------------------------------------- shared panels

function panel(title, ...content) {
  const id = uid('panel');
  const close = button('Close', () => sec.remove(), 'secondary panel-close');
  const sec = h('section', { class: 'panel', 'aria-labelledby': id },
    h('h2', { id, tabindex: '-1' }, title), ...content, h('div', { class: 'buttons' }, close));
  return sec;
}

function showPanel(host, sec) {
  const old = host.querySelector(':scope > .panel');
  if (old) old.remove();
  host.append(sec);
  sec.querySelector('h2').focus();
  sec.scrollIntoView({ block: 'nearest' });
}

const KIND = {
  User: { attach: 'AttachPolicyToUser', detach: 'DetachPolicyFromUser', list: 'ListPoliciesForUser', param: 'UserName', label: 'RAM User' },
  Group: { attach: 'AttachPolicyToGroup', detach: 'DetachPolicyFromGroup', list: 'ListPoliciesForGroup', param: 'GroupName', label: 'User Group' },
  Role: { attach: 'AttachPolicyToRole', detach: 'DetachPolicyFromRole', list: 'ListPoliciesForRole', param: 'RoleName', label: 'RAM Role' },
};

// A policy's type as a badge beside its name. Names alone can mislead: the
// seed's custom AliyunKMSManagedRAMCrendentialsRolePolicy and the system
// AliyunKMSManageRAMCredentialsRolePolicy differ by two letters.
function typeBadge(type) {
  const t = type === 'System' ? 'System' : 'Custom';
  return h('span', { class: `badge badge-${t.toLowerCase()}`, title: `${t} policy` }, t);
}

function policyLink(p) {
  return [link(p.PolicyName, `#/policies/${p.PolicyType}/${enc(p.PolicyName)}`), ' ', typeBadge(p.PolicyType)];
}

// Levenshtein distance of two short strings.
function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

// Policies of the other type whose names are the same or nearly (at most
// three letters apart, case aside).
function lookalikes(name, type, policies) {
  const n = name.toLowerCase();
  return policies.filter((p) => p.PolicyType !== type && Math.abs(p.PolicyName.length - n.length) <= 3
    && editDistance(p.PolicyName.toLowerCase(), n) <= 3);
}

function lookalikeNote(name, type, others) {
  if (!others.length) return null;
  return h('p', { class: 'hint lookalike' },
    `Not to be confused with the ${others.length === 1 ? '' : 'similarly named '}`,
    ...others.map((o, i) => [i ? ', ' : '', `${o.PolicyType.toLowerCase()} policy `, link(o.PolicyName, `#/policies/${o.PolicyType}/${enc(o.PolicyName)}`)]),
    `: ${name} is a ${type.toLowerCase()} policy.`);
}

// "Add Permissions": pick System or Custom policies and attach them.
function permissionPanel(kind, name, title, onDone, opts = {}) {
  const k = KIND[kind];
  const slot = h('div', { role: 'alert' });
  const listHost = h('div', {});
  const chosen = new Set();
  let type = 'System';
  let policies = [];
  const search = h('input', { type: 'search', placeholder: 'Enter a policy name' });
  const renderList = () => {
    const q = search.value.trim().toLowerCase();
    const box = h('div', { class: 'checklist', role: 'group', 'aria-label': `${type} policies` });
    const shown = policies.filter((p) => p.PolicyType === type && (!q || p.PolicyName.toLowerCase().includes(q)
      || (p.Description || '').toLowerCase().includes(q)));
    for (const p of shown) {
      const key = `${p.PolicyType}/${p.PolicyName}`;
      const c = checkbox(p.PolicyName, chosen.has(key), (v) => (v ? chosen.add(key) : chosen.delete(key)));
      box.append(c.el);
    }
    if (!shown.length) box.append(h('p', { class: 'empty' }, 'No policies found.'));
    listHost.replaceChildren(box);
  };
  search.addEventListener('input', renderList);
  const result = h('div', {});
  const ok = button('OK', async () => {
    if (!chosen.size) {
      slot.replaceChildren(errorBox(new Error('Select at least one policy.')));
      return;
    }
    await attempt(slot, async () => {
      const done = [];
      for (const key of chosen) {
        const [ptype, pname] = key.split('/');
        await api('ram', k.attach, { PolicyType: ptype, PolicyName: pname, [k.param]: name });
        done.push(pname);
      }
      result.replaceChildren(h('div', { class: 'notice', role: 'status' },
        `Authorization succeeded: ${done.join(', ')} attached to ${k.label} ${name}.`));
      chosen.clear();
      if (onDone) onDone();
    });
  });
  const sec = panel(title || 'Add Permissions',
    info([['Principal', `${name} (${k.label})`]]),
    radios('Select Policy', uid('ptype'), [{ value: 'System', label: 'System Policy' }, { value: 'Custom', label: 'Custom Policy' }],
      type, (v) => { type = v; renderList(); }),
    field('Search policies', search),
    listHost, slot, result, h('div', { class: 'buttons' }, ok));
  // Inside the role wizard the wizard's Complete is the one way out.
  if (opts.embedded) sec.querySelector('.panel-close').parentElement.remove();
  attempt(slot, async () => {
    policies = await listAll('ListPolicies', 'Policies', 'Policy');
    renderList();
  });
  return sec;
}

// Attached policies of a user, group or role, with "Revoke Permission".
async function attachedPolicies(host, kind, name, refresh) {
  const k = KIND[kind];
  const r = await api('ram', k.list, { [k.param]: name });
  const rows = list(r.Policies, 'Policy');
  host.append(table(`Policies attached to ${name}`, [
    { label: 'Policy', render: (p) => policyLink(p) },
    { label: 'Policy Type', render: (p) => `${p.PolicyType} Policy` },
    { label: 'Description', render: (p) => p.Description || '' },
    { label: 'Attached', render: (p) => p.AttachDate || '' },
    { label: 'Actions', cls: 'actions', render: (p) => button('Revoke Permission', (ev) => {
      confirmInline(ev.target.closest('td'), `Revoke ${p.PolicyName} from ${name}?`, 'Revoke', async () => {
        await api('ram', k.detach, { PolicyType: p.PolicyType, PolicyName: p.PolicyName, [k.param]: name });
        refresh();
      });
    }, 'link') },
  ], rows, 'No policies attached.'));
}

// ---------------------------------------------------------------- views

function page(title, crumbs) {
  const view = $('#view');
  view.replaceChildren();
  if (crumbs) {
    view.append(h('p', { class: 'breadcrumb' }, crumbs.map(([t, href], i) => [i ? ' / ' : '', link(t, href)])));
  }
  const h1 = h('h1', { tabindex: '-1' }, title);
  view.append(h1);
  return view;
}

// Users -------------------------------------------------------------------

async function viewUsers() {
  const view = page('Users');
  const search = h('input', { type: 'search', placeholder: 'Logon name or display name' });
  const host = h('div', {});
  const bar = h('div', { class: 'toolbar' },
    button('Create User', () => showPanel(view, createUserPanel())), field('Search users', search));
  view.append(bar, host);
  const users = await attempt(null, () => listAll('ListUsers', 'Users', 'User'));
  if (!users) return;
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = users.filter((u) => !q || u.UserName.toLowerCase().includes(q) || (u.DisplayName || '').toLowerCase().includes(q));
    host.replaceChildren(table('RAM users', [
      { label: 'User Logon Name', render: (u) => link(u.UserName, `#/users/${enc(u.UserName)}`) },
      { label: 'Display Name', render: (u) => u.DisplayName || '' },
      { label: 'Created', render: (u) => u.CreateDate || '' },
    ], rows, 'No users.'));
  };
  search.addEventListener('input', render);
  render();
}

function createUserPanel() {
  const name = h('input', { autocomplete: 'off' });
  const display = h('input', { autocomplete: 'off' });
  const pwd = h('input', { type: 'password', autocomplete: 'new-password' });
  const pwdField = field('Logon Password', pwd);
  pwdField.hidden = true;
  const consoleAccess = checkbox('Console Access', false, (v) => { pwdField.hidden = !v; });
  const apiAccess = checkbox('OpenAPI Access', false);
  const slot = h('div', { role: 'alert' });
  const ok = button('OK', () => attempt(slot, async () => {
    const userName = name.value.trim();
    await api('ram', 'CreateUser', { UserName: userName, DisplayName: display.value.trim() || undefined });
    if (consoleAccess.input.checked) {
      await api('ram', 'CreateLoginProfile', { UserName: userName, Password: pwd.value });
    }
    let key = null;
    if (apiAccess.input.checked) {
      key = (await api('ram', 'CreateAccessKey', { UserName: userName })).AccessKey;
    }
    state.pendingKey = key ? { user: userName, key } : null;
    location.hash = `#/users/${enc(userName)}`;
  }));
  return panel('Create User',
    field('Logon Name', name, 'The user name: 1 to 64 characters from letters, digits, ".", "_" and "-".'),
    field('Display Name', display),
    h('fieldset', {}, h('legend', {}, 'Access Mode'), consoleAccess.el, apiAccess.el),
    pwdField, slot, h('div', { class: 'buttons' }, ok));
}

function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function copyText(text, statusEl) {
  try {
    await navigator.clipboard.writeText(text);
    statusEl.textContent = 'Copied to the clipboard.';
  } catch (_e) {
    statusEl.textContent = 'Copying is not allowed here; select the text and copy it by hand.';
  }
}

function accessKeyCreatedPanel(user, key) {
  const id = h('input', { readonly: true, class: 'secret-box', value: key.AccessKeyId });
  const secret = h('input', { readonly: true, class: 'secret-box', value: key.AccessKeySecret });
  const status = h('p', { role: 'status', class: 'hint' });
  const ramHost = h('div', {});
  return panel('AccessKey Created',
    h('p', { class: 'warning' }, 'The AccessKey secret is shown only now and can never be viewed again. Copy or download it before you close this panel.'),
    field('AccessKey ID', id),
    field('AccessKey Secret', secret),
    h('div', { class: 'buttons' },
      button('Copy', () => copyText(`AccessKey ID: ${key.AccessKeyId}\nAccessKey Secret: ${key.AccessKeySecret}\n`, status), 'secondary'),
      button('Download CSV File', () => download(`${user}-accesskey.csv`,
        `UserName,AccessKeyId,AccessKeySecret\n${user},${key.AccessKeyId},${key.AccessKeySecret}\n`), 'secondary'),
      // Secrets Manager then holds the key: its secret is handed over by the
      // console, never pasted by hand.
      button('Create a RAM secret with this key', () => {
        const form = h('div', {});
        showPanel(ramHost, panel('Create RAM Secret', form));
        ramSecretForm(form, { user, keys: { [key.AccessKeyId]: key.AccessKeySecret } });
      }, 'secondary')),
    status, ramHost);
}

async function viewUser(name) {
  const view = page(name, [['Users', '#/users']]);
  const reload = () => viewUser(name);
  const u = await attempt(null, () => api('ram', 'GetUser', { UserName: name }));
  if (!u) return;
  const user = u.User;
  view.append(info([
    ['User Logon Name', user.UserName], ['Display Name', user.DisplayName], ['UID', user.UserId],
    ['Created', user.CreateDate], ['Last Logon', user.LastLoginDate], ['Note', user.Comments],
  ]));
  const actions = h('div', { class: 'buttons' });
  actions.append(button('Delete User', () => confirmInline(actions,
    `Delete the user ${name}? It must have no AccessKeys, groups, policies or console logon left.`, 'Delete', async () => {
      await api('ram', 'DeleteUser', { UserName: name });
      location.hash = '#/users';
    }), 'danger'));
  view.append(actions);

  // Console logon.
  const logon = h('section', { 'aria-labelledby': 'logon-h' }, h('h2', { id: 'logon-h' }, 'Console Logon Management'));
  view.append(logon);
  const logonSlot = h('div', { role: 'alert' });
  logon.append(logonSlot);
  try {
    await api('ram', 'GetLoginProfile', { UserName: name });
    const pwd = h('input', { type: 'password', autocomplete: 'new-password' });
    logon.append(h('p', {}, `Console logon is enabled. Logon name: ${name}@${state.principal.AccountId}`),
      field('New Logon Password', pwd),
      h('div', { class: 'buttons' },
        button('Change Password', () => attempt(logonSlot, async () => {
          await api('ram', 'UpdateLoginProfile', { UserName: name, Password: pwd.value });
          notice('The logon password was changed.');
        }), 'secondary'),
        button('Disable Console Logon', () => attempt(logonSlot, async () => {
          await api('ram', 'DeleteLoginProfile', { UserName: name });
          reload();
        }), 'secondary')));
  } catch (e) {
    if (e instanceof ApiError && e.body.Code && e.body.Code.startsWith('EntityNotExist')) {
      const pwd = h('input', { type: 'password', autocomplete: 'new-password' });
      logon.append(h('p', {}, 'Console logon is not enabled.'), field('Logon Password', pwd),
        button('Enable Console Logon', () => attempt(logonSlot, async () => {
          await api('ram', 'CreateLoginProfile', { UserName: name, Password: pwd.value });
          reload();
        }), 'secondary'));
    } else {
      logonSlot.replaceChildren(errorBox(e));
    }
  }

  // AccessKeys.
  const keys = h('section', { 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'AccessKey'));
  view.append(keys);
  const keySlot = h('div', { role: 'alert' });
  keys.append(h('div', { class: 'toolbar' }, button('Create AccessKey', () => attempt(keySlot, async () => {
    const r = await api('ram', 'CreateAccessKey', { UserName: name });
    state.pendingKey = { user: name, key: r.AccessKey };
    reload();
  }))), keySlot);
  if (state.pendingKey && state.pendingKey.user === name) {
    const p = state.pendingKey;
    state.pendingKey = null;
    keys.append(accessKeyCreatedPanel(p.user, p.key));
  }
  await attempt(keySlot, async () => {
    const r = await api('ram', 'ListAccessKeys', { UserName: name });
    const rows = list(r.AccessKeys, 'AccessKey');
    const lastUsed = {};
    for (const k of rows) {
      try {
        const lu = await api('ram', 'GetAccessKeyLastUsed', { UserName: name, UserAccessKeyId: k.AccessKeyId });
        lastUsed[k.AccessKeyId] = (lu.AccessKeyLastUsed || {}).LastUsedDate || '';
      } catch (_e) {
        lastUsed[k.AccessKeyId] = '';
      }
    }
    keys.append(table(`AccessKeys of ${name}`, [
      { label: 'AccessKey ID', render: (k) => k.AccessKeyId },
      { label: 'Status', render: (k) => (k.Status === 'Active' ? 'Enabled' : 'Disabled') },
      { label: 'Last Used', render: (k) => lastUsed[k.AccessKeyId] || 'Never' },
      { label: 'Created', render: (k) => k.CreateDate || '' },
      { label: 'Actions', cls: 'actions', render: (k) => [
        button(k.Status === 'Active' ? 'Disable' : 'Enable', () => attempt(keySlot, async () => {
          await api('ram', 'UpdateAccessKey', { UserName: name, UserAccessKeyId: k.AccessKeyId,
            Status: k.Status === 'Active' ? 'Inactive' : 'Active' });
          reload();
        }), 'link'),
        button('Delete', (ev) => confirmInline(ev.target.closest('td'), `Delete AccessKey ${k.AccessKeyId}? Applications using it stop working.`,
          'Delete', async () => {
            await api('ram', 'DeleteAccessKey', { UserName: name, UserAccessKeyId: k.AccessKeyId });
            reload();
          }), 'link'),
      ] },
    ], rows, 'The user has no AccessKey.'));
  });

  // Groups.
  const groups = h('section', { 'aria-labelledby': 'groups-h' }, h('h2', { id: 'groups-h' }, 'User Groups'));
  view.append(groups);
  const groupSlot = h('div', { role: 'alert' });
  groups.append(groupSlot);
  await attempt(groupSlot, async () => {
    const r = await api('ram', 'ListGroupsForUser', { UserName: name });
    const rows = list(r.Groups, 'Group');
    const all = await listAll('ListGroups', 'Groups', 'Group').catch(() => []);
    const pick = select([{ value: '', label: 'Select a group' }, ...all.filter((g) => !rows.some((x) => x.GroupName === g.GroupName))
      .map((g) => g.GroupName)], '');
    groups.append(h('div', { class: 'toolbar' }, field('Group', pick),
      button('Add to Group', () => attempt(groupSlot, async () => {
        await api('ram', 'AddUserToGroup', { UserName: name, GroupName: pick.value });
        reload();
      }), 'secondary')));
    groups.append(table(`Groups of ${name}`, [
      { label: 'Group Name', render: (g) => link(g.GroupName, `#/groups/${enc(g.GroupName)}`) },
      { label: 'Note', render: (g) => g.Comments || '' },
      { label: 'Joined', render: (g) => g.JoinDate || '' },
      { label: 'Actions', cls: 'actions', render: (g) => button('Remove From Group', () => attempt(groupSlot, async () => {
        await api('ram', 'RemoveUserFromGroup', { UserName: name, GroupName: g.GroupName });
        reload();
      }), 'link') },
    ], rows, 'The user is in no group.'));
  });

  // Permissions.
  const perms = h('section', { 'aria-labelledby': 'perms-h' }, h('h2', { id: 'perms-h' }, 'Permissions'));
  view.append(perms);
  perms.append(h('div', { class: 'toolbar' }, button('Add Permissions', () => showPanel(perms, permissionPanel('User', name, 'Add Permissions', reload)))));
  await attempt(null, () => attachedPolicies(perms, 'User', name, reload));
  await mfaSection(view, name);
}

// Groups ------------------------------------------------------------------

async function viewGroups() {
  const view = page('Groups');
  const gname = h('input', { autocomplete: 'off' });
  const note = h('input', { autocomplete: 'off' });
  const slot = h('div', { role: 'alert' });
  view.append(h('div', { class: 'toolbar' }, button('Create Group', () => showPanel(view, panel('Create Group',
    field('Group Name', gname), field('Note', note), slot,
    h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
      await api('ram', 'CreateGroup', { GroupName: gname.value.trim(), Comments: note.value.trim() || undefined });
      location.hash = `#/groups/${enc(gname.value.trim())}`;
    }))))))));
  const groups = await attempt(null, () => listAll('ListGroups', 'Groups', 'Group'));
  if (!groups) return;
  view.append(table('User groups', [
    { label: 'Group Name', render: (g) => link(g.GroupName, `#/groups/${enc(g.GroupName)}`) },
    { label: 'Note', render: (g) => g.Comments || '' },
    { label: 'Created', render: (g) => g.CreateDate || '' },
  ], groups, 'No groups.'));
}

async function viewGroup(name) {
  const view = page(name, [['Groups', '#/groups']]);
  const reload = () => viewGroup(name);
  const g = await attempt(null, () => api('ram', 'GetGroup', { GroupName: name }));
  if (!g) return;
  view.append(info([['Group Name', g.Group.GroupName], ['Note', g.Group.Comments], ['Created', g.Group.CreateDate]]));
  const actions = h('div', { class: 'buttons' });
  actions.append(button('Delete Group', () => confirmInline(actions, `Delete the group ${name}? It must have no members or policies.`,
    'Delete', async () => {
      await api('ram', 'DeleteGroup', { GroupName: name });
      location.hash = '#/groups';
    }), 'danger'));
  view.append(actions);
  const members = h('section', { 'aria-labelledby': 'members-h' }, h('h2', { id: 'members-h' }, 'Group Members'));
  const slot = h('div', { role: 'alert' });
  members.append(slot);
  view.append(members);
  await attempt(slot, async () => {
    const r = await api('ram', 'ListUsersForGroup', { GroupName: name });
    const rows = list(r.Users, 'User');
    const users = await listAll('ListUsers', 'Users', 'User').catch(() => []);
    const pick = select([{ value: '', label: 'Select a user' }, ...users.filter((u) => !rows.some((x) => x.UserName === u.UserName))
      .map((u) => u.UserName)], '');
    members.append(h('div', { class: 'toolbar' }, field('User', pick), button('Add Group Members', () => attempt(slot, async () => {
      await api('ram', 'AddUserToGroup', { UserName: pick.value, GroupName: name });
      reload();
    }), 'secondary')));
    members.append(table(`Members of ${name}`, [
      { label: 'User Logon Name', render: (u) => link(u.UserName, `#/users/${enc(u.UserName)}`) },
      { label: 'Display Name', render: (u) => u.DisplayName || '' },
      { label: 'Joined', render: (u) => u.JoinDate || '' },
      { label: 'Actions', cls: 'actions', render: (u) => button('Remove From Group', () => attempt(slot, async () => {
        await api('ram', 'RemoveUserFromGroup', { UserName: u.UserName, GroupName: name });
        reload();
      }), 'link') },
    ], rows, 'The group has no members.'));
  });
  const perms = h('section', { 'aria-labelledby': 'gperms-h' }, h('h2', { id: 'gperms-h' }, 'Permissions'));
  view.append(perms);
  perms.append(h('div', { class: 'toolbar' }, button('Add Permissions', () => showPanel(perms, permissionPanel('Group', name, 'Add Permissions', reload)))));
  await attempt(null, () => attachedPolicies(perms, 'Group', name, reload));
}

// Policies ----------------------------------------------------------------

async function viewPolicies() {
  const view = page('Policies');
  const search = h('input', { type: 'search', placeholder: 'Enter a policy name or description' });
  const type = select([{ value: '', label: 'All Types' }, { value: 'System', label: 'System Policy' },
    { value: 'Custom', label: 'Custom Policy' }], '');
  const host = h('div', {});
  view.append(h('div', { class: 'toolbar' },
    button('Create Policy', () => { location.hash = '#/policies/create'; }),
    field('Policy Type', type), field('Search policies', search)), host);
  const policies = await attempt(null, () => listAll('ListPolicies', 'Policies', 'Policy'));
  if (!policies) return;
  const render = () => {
    const q = search.value.trim().toLowerCase();
    const rows = policies.filter((p) => (!type.value || p.PolicyType === type.value)
      && (!q || p.PolicyName.toLowerCase().includes(q) || (p.Description || '').toLowerCase().includes(q)));
    host.replaceChildren(table(`Policies (${rows.length})`, [
      { label: 'Policy Name', render: (p) => [policyLink(p), lookalikeNote(p.PolicyName, p.PolicyType, lookalikes(p.PolicyName, p.PolicyType, policies))] },
      { label: 'Policy Type', render: (p) => `${p.PolicyType} Policy` },
      { label: 'Description', render: (p) => p.Description || '' },
      { label: 'References', render: (p) => String(p.AttachmentCount ?? '') },
      { label: 'Default Version', render: (p) => p.DefaultVersion || '' },
      { label: 'Created', render: (p) => p.CreateDate || '' },
    ], rows, 'No policies match.'));
  };
  search.addEventListener('input', render);
  type.addEventListener('change', render);
  render();
}

const EXAMPLE_POLICY = '{\n  "Version": "1",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": [],\n      "Resource": "*"\n    }\n  ]\n}';

function viewCreatePolicy() {
  const view = page('Create Policy', [['Policies', '#/policies']]);
  const name = h('input', { autocomplete: 'off' });
  const note = h('textarea', { rows: 2, cols: 60 });
  const script = jsonEditor('Policy Document', EXAMPLE_POLICY, 16);
  const visualHints = h('ul', { class: 'hint', 'aria-label': 'Notes on the policy' });
  const visual = visualEditor((doc) => {
    script.textarea.value = doc;
    script.check();
    visualHints.replaceChildren(...ramResourceHints(doc).map((n) => h('li', {}, n)));
    visualHints.hidden = visualHints.childElementCount === 0;
  });
  const visualHost = h('div', {}, visual.el, visualHints);
  const scriptHost = h('div', {}, script.el);
  const modeNote = h('p', { class: 'hint', role: 'status' });
  let mode = 'Visual';
  const setMode = (m) => {
    mode = m;
    modeNote.textContent = '';
    if (m === 'Visual') {
      if (!visual.load(script.textarea.value)) {
        modeNote.textContent = 'The script cannot be shown in the visual editor; the visual editor starts from its own statements.';
        script.textarea.value = visual.doc();
        script.check();
      }
    } else {
      script.textarea.value = pretty(script.textarea.value);
      script.check();
    }
    visualHost.hidden = m !== 'Visual';
    scriptHost.hidden = m !== 'Script';
  };
  const slot = h('div', { role: 'alert' });
  const submit = button('OK', () => attempt(slot, async () => {
    const doc = mode === 'Visual' ? visual.doc() : script.textarea.value;
    if (mode === 'Script' && !script.check()) throw new Error(jsonError(doc).message);
    let r;
    try {
      r = await api('ram', 'CreatePolicy', { PolicyName: name.value.trim(), PolicyDocument: doc,
        Description: note.value.trim() || undefined });
    } catch (e) {
      if (mode === 'Script') caretAt(script.textarea, e);
      throw e;
    }
    location.hash = `#/policies/Custom/${enc(r.Policy.PolicyName)}`;
  }));
  view.append(
    field('Policy Name', name, '1 to 128 characters from letters, digits and "-".'),
    field('Note', note),
    radios('Configuration Mode', 'configuration-mode', [{ value: 'Visual', label: 'Visual' }, { value: 'Script', label: 'Script' }],
      mode, setMode),
    modeNote, visualHost, scriptHost, slot,
    h('div', { class: 'buttons' }, submit, button('Cancel', () => { location.hash = '#/policies'; }, 'secondary')));
  script.textarea.value = visual.doc();
  script.check();
  setMode('Visual');
}

async function viewPolicy(type, name) {
  const view = page(name, [['Policies', '#/policies']]);
  const reload = () => viewPolicy(type, name);
  const p = await attempt(null, () => api('ram', 'GetPolicy', { PolicyName: name, PolicyType: type }));
  if (!p) return;
  const pol = p.Policy;
  const all = await listAll('ListPolicies', 'Policies', 'Policy').catch(() => []);
  view.append(h('p', { class: 'policy-kind' }, typeBadge(pol.PolicyType), ' ', `${pol.PolicyType} policy`),
    lookalikeNote(pol.PolicyName, pol.PolicyType, lookalikes(pol.PolicyName, pol.PolicyType, all)));
  view.append(info([
    ['Policy Name', pol.PolicyName], ['Policy Type', `${pol.PolicyType} Policy`], ['Note', pol.Description],
    ['Default Version', pol.DefaultVersion], ['References', String(pol.AttachmentCount ?? '')],
    ['Created', pol.CreateDate], ['Updated', pol.UpdateDate],
  ]));
  const custom = pol.PolicyType === 'Custom';
  const actions = h('div', { class: 'buttons' });
  view.append(actions);
  const docSection = h('section', { 'aria-labelledby': 'doc-h' }, h('h2', { id: 'doc-h' }, 'Policy Document'));
  const docPre = h('pre', { class: 'doc', tabindex: '0', 'aria-label': 'Default policy document' },
    pretty((p.DefaultPolicyVersion || {}).PolicyDocument || ''));
  docSection.append(docPre);
  view.append(docSection);
  if (custom) {
    actions.append(button('Modify Policy Document', () => {
      const ed = jsonEditor('Policy Document', pretty((p.DefaultPolicyVersion || {}).PolicyDocument || ''), 16);
      const slot = h('div', { role: 'alert' });
      showPanel(view, panel('Modify Policy Document', ed.el, slot,
        h('p', { class: 'hint' }, 'Saving creates a new version and makes it the default; beyond 5 versions the oldest non-default version is deleted.'),
        h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
          await api('ram', 'CreatePolicyVersion', { PolicyName: name, PolicyDocument: ed.textarea.value, SetAsDefault: 'true',
            RotateStrategy: 'DeleteOldestNonDefaultVersionWhenLimitExceeded' });
          reload();
        })))));
    }, 'secondary'));
    actions.append(button('Delete Policy', () => confirmInline(actions, `Delete the policy ${name}? It must not be attached to anyone.`,
      'Delete', async () => {
        await api('ram', 'DeletePolicy', { PolicyName: name });
        location.hash = '#/policies';
      }), 'danger'));
  }
  const versions = h('section', { 'aria-labelledby': 'ver-h' }, h('h2', { id: 'ver-h' }, 'Versions'));
  view.append(versions);
  const vslot = h('div', { role: 'alert' });
  versions.append(vslot);
  await attempt(vslot, async () => {
    const r = await api('ram', 'ListPolicyVersions', { PolicyName: name, PolicyType: type });
    const rows = list(r.PolicyVersions, 'PolicyVersion');
    versions.append(table(`Versions of ${name}`, [
      { label: 'Version', render: (v) => v.VersionId },
      { label: 'Default Version', render: (v) => (v.IsDefaultVersion ? 'Yes' : 'No') },
      { label: 'Created', render: (v) => v.CreateDate || '' },
      { label: 'Actions', cls: 'actions', render: (v) => [
        button('View', () => { docPre.textContent = pretty(v.PolicyDocument || ''); docSection.querySelector('h2').textContent = `Policy Document (${v.VersionId})`; docPre.focus(); }, 'link'),
        custom && !v.IsDefaultVersion && button('Set as Default', () => attempt(vslot, async () => {
          await api('ram', 'SetDefaultPolicyVersion', { PolicyName: name, VersionId: v.VersionId });
          reload();
        }), 'link'),
        custom && !v.IsDefaultVersion && button('Delete', () => attempt(vslot, async () => {
          await api('ram', 'DeletePolicyVersion', { PolicyName: name, VersionId: v.VersionId });
          reload();
        }), 'link'),
      ] },
    ], rows));
  });
  const refs = h('section', { 'aria-labelledby': 'refs-h' }, h('h2', { id: 'refs-h' }, 'References'));
  view.append(refs);
  await attempt(null, async () => {
    const r = await api('ram', 'ListEntitiesForPolicy', { PolicyName: name, PolicyType: type });
    const rows = [
      ...list(r.Users, 'User').map((u) => ({ kind: 'RAM User', name: u.UserName, href: `#/users/${enc(u.UserName)}`, date: u.AttachDate })),
      ...list(r.Groups, 'Group').map((g) => ({ kind: 'User Group', name: g.GroupName, href: `#/groups/${enc(g.GroupName)}`, date: g.AttachDate })),
      ...list(r.Roles, 'Role').map((x) => ({ kind: 'RAM Role', name: x.RoleName, href: `#/roles/${enc(x.RoleName)}`, date: x.AttachDate })),
    ];
    refs.append(table(`Principals with ${name}`, [
      { label: 'Principal', render: (e) => link(e.name, e.href) },
      { label: 'Principal Type', render: (e) => e.kind },
      { label: 'Attached', render: (e) => e.date || '' },
    ], rows, 'The policy is not attached to anyone.'));
  });
  if (type === 'Custom') await tagsSection(view, 'policy', name);
}

// Grants ------------------------------------------------------------------

async function viewGrants() {
  const view = page('Grants');
  const kindSel = select([{ value: 'User', label: 'RAM User' }, { value: 'Group', label: 'User Group' }, { value: 'Role', label: 'RAM Role' }], 'User');
  const nameIn = h('input', { autocomplete: 'off' });
  view.append(h('div', { class: 'toolbar' }, button('Grant Permission', () => {
    const slot = h('div', { role: 'alert' });
    showPanel(view, panel('Grant Permission', field('Principal Type', kindSel), field('Principal Name', nameIn), slot,
      h('div', { class: 'buttons' }, button('Next', () => {
        if (!nameIn.value.trim()) {
          slot.replaceChildren(errorBox(new Error('Enter the principal name.')));
          return;
        }
        showPanel(view, permissionPanel(kindSel.value, nameIn.value.trim(), 'Grant Permission', () => viewGrants()));
      }))));
  })));
  const rows = [];
  const ok = await attempt(null, async () => {
    const [users, groups, roles] = await Promise.all([
      listAll('ListUsers', 'Users', 'User'), listAll('ListGroups', 'Groups', 'Group'), listAll('ListRoles', 'Roles', 'Role')]);
    const jobs = [
      ...users.map((u) => ['User', u.UserName]), ...groups.map((g) => ['Group', g.GroupName]), ...roles.map((r) => ['Role', r.RoleName])];
    for (const [kind, name] of jobs) {
      const k = KIND[kind];
      const r = await api('ram', k.list, { [k.param]: name });
      for (const p of list(r.Policies, 'Policy')) rows.push({ kind, name, p });
    }
    return true;
  });
  if (!ok) return;
  const href = (g) => `#/${g.kind === 'User' ? 'users' : g.kind === 'Group' ? 'groups' : 'roles'}/${enc(g.name)}`;
  view.append(table('Grants', [
    { label: 'Principal', render: (g) => link(g.name, href(g)) },
    { label: 'Principal Type', render: (g) => KIND[g.kind].label },
    { label: 'Policy', render: (g) => policyLink(g.p) },
    { label: 'Policy Type', render: (g) => `${g.p.PolicyType} Policy` },
    { label: 'Attached', render: (g) => g.p.AttachDate || '' },
    { label: 'Actions', cls: 'actions', render: (g) => button('Revoke Permission', (ev) => confirmInline(ev.target.closest('td'),
      `Revoke ${g.p.PolicyName} from ${g.name}?`, 'Revoke', async () => {
        const k = KIND[g.kind];
        await api('ram', k.detach, { PolicyType: g.p.PolicyType, PolicyName: g.p.PolicyName, [k.param]: g.name });
        viewGrants();
      }), 'link') },
  ], rows, 'No permissions are granted.'));
}

// RAM roles ---------------------------------------------------------------

const TRUSTED_SERVICES = [
  { value: 'kms.aliyuncs.com', label: 'Key Management Service' },
  { value: 'ecs.aliyuncs.com', label: 'Elastic Compute Service' },
  { value: 'fc.aliyuncs.com', label: 'Function Compute' },
  { value: 'oss.aliyuncs.com', label: 'Object Storage Service' },
  { value: 'log.aliyuncs.com', label: 'Simple Log Service' },
  { value: 'actiontrail.aliyuncs.com', label: 'ActionTrail' },
  { value: 'ros.aliyuncs.com', label: 'Resource Orchestration Service' },
  { value: 'rds.aliyuncs.com', label: 'ApsaraDB RDS' },
];

async function viewRoles() {
  const view = page('RAM Roles');
  const search = h('input', { type: 'search', placeholder: 'Enter a role name' });
  const host = h('div', {});
  let roles = [];
  const refresh = async () => {
    roles = await attempt(null, () => listAll('ListRoles', 'Roles', 'Role'));
    if (roles) render();
  };
  view.append(h('div', { class: 'toolbar' },
    button('Create RAM Role', () => showPanel(view, createRolePanel(refresh))), field('Search roles', search)), host);
  const render = () => {
    const q = search.value.trim().toLowerCase();
    host.replaceChildren(table('RAM roles', [
      { label: 'RAM Role Name', render: (r) => link(r.RoleName, `#/roles/${enc(r.RoleName)}`) },
      { label: 'Note', render: (r) => r.Description || '' },
      { label: 'Created', render: (r) => r.CreateDate || '' },
    ], roles.filter((r) => !q || r.RoleName.toLowerCase().includes(q)), 'No RAM roles.'));
  };
  search.addEventListener('input', render);
  await refresh();
}

function trustPolicy(principal, condition) {
  const st = { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: principal };
  if (condition) st.Condition = condition;
  return JSON.stringify({ Statement: [st], Version: '1' });
}

function createRolePanel(onCreated) {
  const account = state.principal.AccountId;
  const w = { entity: 'Alibaba Cloud Service', roleType: 'Normal Service Role', service: 'kms.aliyuncs.com',
    accountMode: 'current', otherAccount: '', idpType: 'SAML', idp: '', name: '', note: '' };
  const body = h('div', {});
  const steps = ['Select Trusted Entity', 'Configure Role', 'Finish'];
  const stepList = h('ol', { class: 'steps', 'aria-label': 'Steps' });
  const slot = h('div', { role: 'alert' });
  const setStep = (i) => {
    stepList.replaceChildren(...steps.map((s, j) => h('li', { 'aria-current': j === i ? 'step' : null }, `${j + 1}. ${s}`)));
  };
  const step1 = () => {
    setStep(0);
    body.replaceChildren(
      radios('Select Trusted Entity', 'trusted-entity', [
        { value: 'Alibaba Cloud Account', label: 'Alibaba Cloud Account' },
        { value: 'Alibaba Cloud Service', label: 'Alibaba Cloud Service' },
        { value: 'Identity Provider', label: 'Identity Provider' }], w.entity, (v) => { w.entity = v; }),
      h('div', { class: 'buttons' }, button('Next', step2)));
  };
  const nameField = () => {
    const i = h('input', { autocomplete: 'off', value: w.name });
    i.addEventListener('input', () => { w.name = i.value.trim(); });
    return field('RAM Role Name', i, '1 to 64 characters from letters, digits, ".", "@" and "-".');
  };
  const noteField = () => {
    const i = h('textarea', { rows: 2, cols: 60 });
    i.value = w.note;
    i.addEventListener('input', () => { w.note = i.value; });
    return field('Note', i);
  };
  const serviceField = () => {
    const s = select(TRUSTED_SERVICES, w.service);
    s.addEventListener('change', () => { w.service = s.value; });
    return field('Select Trusted Service', s);
  };
  const step2 = () => {
    setStep(1);
    slot.replaceChildren();
    const parts = [];
    if (w.entity === 'Alibaba Cloud Service') {
      const detail = h('div', {});
      const renderDetail = () => {
        detail.replaceChildren(...(w.roleType === 'Normal Service Role'
          ? [nameField(), noteField(), serviceField()]
          : [serviceField(), noteField(), h('p', { class: 'hint' }, 'A service-linked role gets its name and permissions from the service.')]));
      };
      parts.push(radios('Role Type', 'role-type', [
        { value: 'Normal Service Role', label: 'Normal Service Role' },
        { value: 'Service-Linked Role', label: 'Service-Linked Role' }], w.roleType, (v) => { w.roleType = v; renderDetail(); }), detail);
      renderDetail();
    } else if (w.entity === 'Alibaba Cloud Account') {
      const other = h('input', { autocomplete: 'off', value: w.otherAccount });
      other.addEventListener('input', () => { w.otherAccount = other.value.trim(); });
      parts.push(nameField(), noteField(), radios('Select Trusted Alibaba Cloud Account', 'trusted-account', [
        { value: 'current', label: `Current Alibaba Cloud Account (${account})` },
        { value: 'other', label: 'Other Alibaba Cloud Account' }], w.accountMode, (v) => { w.accountMode = v; }),
      field('Other Account ID', other));
    } else {
      const idp = h('input', { autocomplete: 'off', value: w.idp });
      idp.addEventListener('input', () => { w.idp = idp.value.trim(); });
      parts.push(nameField(), noteField(), radios('IdP Type', 'idp-type', [{ value: 'SAML', label: 'SAML' }, { value: 'OIDC', label: 'OIDC' }],
        w.idpType, (v) => { w.idpType = v; }), field('Select IdP', idp, 'The name of the identity provider in this account.'));
    }
    body.replaceChildren(...parts, slot, h('div', { class: 'buttons' }, button('Previous', step1, 'secondary'), button('OK', create)));
  };
  const create = () => attempt(slot, async () => {
    let role;
    if (w.entity === 'Alibaba Cloud Service' && w.roleType === 'Service-Linked Role') {
      role = (await api('ram', 'CreateServiceLinkedRole', { ServiceName: w.service, Description: w.note || undefined })).Role;
    } else {
      let doc;
      if (w.entity === 'Alibaba Cloud Service') doc = trustPolicy({ Service: [w.service] });
      else if (w.entity === 'Alibaba Cloud Account') {
        doc = trustPolicy({ RAM: [`acs:ram::${w.accountMode === 'current' ? account : w.otherAccount}:root`] });
      } else if (w.idpType === 'SAML') {
        doc = trustPolicy({ Federated: [`acs:ram::${account}:saml-provider/${w.idp}`] },
          { StringEquals: { 'saml:recipient': 'https://signin.aliyun.com/saml-role/sso' } });
      } else {
        doc = trustPolicy({ Federated: [`acs:ram::${account}:oidc-provider/${w.idp}`] });
      }
      role = (await api('ram', 'CreateRole', { RoleName: w.name, AssumeRolePolicyDocument: doc, Description: w.note || undefined })).Role;
    }
    step3(role);
  });
  const step3 = (role) => {
    setStep(2);
    if (onCreated) onCreated();
    const permHost = h('div', {});
    // The last step has one way out, Complete, as the documented console
    // steps say: no Close, no Previous.
    const close = wizard.querySelector(':scope > .buttons > .panel-close');
    if (close) close.parentElement.remove();
    body.replaceChildren(
      h('div', { class: 'notice', role: 'status' }, `The RAM role ${role.RoleName} has been created.`),
      info([['RAM Role Name', role.RoleName], ['ARN', role.Arn]]),
      h('div', { class: 'buttons' },
        button('Add Permissions to RAM Role', () => showPanel(permHost,
          permissionPanel('Role', role.RoleName, 'Add Permissions to RAM Role', null, { embedded: true })), 'secondary')),
      permHost,
      h('div', { class: 'buttons' }, button('Complete', complete)));
  };
  const complete = () => {
    const view = wizard.parentElement;
    wizard.remove();
    const heading = view && view.querySelector('h1');
    if (heading) heading.focus();
  };
  step1();
  const wizard = panel('Create RAM Role', stepList, body);
  return wizard;
}

async function viewRole(name) {
  const view = page(name, [['RAM Roles', '#/roles']]);
  const reload = () => viewRole(name);
  const r = await attempt(null, () => api('ram', 'GetRole', { RoleName: name }));
  if (!r) return;
  const role = r.Role;
  view.append(info([
    ['RAM Role Name', role.RoleName], ['ARN', role.Arn], ['Note', role.Description], ['Created', role.CreateDate],
    ['Updated', role.UpdateDate], ['Maximum Session Duration', role.MaxSessionDuration ? `${role.MaxSessionDuration} seconds` : ''],
    ['Service-Linked Role', role.IsServiceLinkedRole ? 'Yes' : 'No'],
  ]));
  const actions = h('div', { class: 'buttons' });
  actions.append(button('Delete RAM Role', () => confirmInline(actions, `Delete the RAM role ${name}? Detach its policies first.`, 'Delete',
    async () => {
      await api('ram', 'DeleteRole', { RoleName: name });
      location.hash = '#/roles';
    }), 'danger'));
  view.append(actions);
  const perms = h('section', { 'aria-labelledby': 'rperms-h' }, h('h2', { id: 'rperms-h' }, 'Permissions'));
  view.append(perms);
  perms.append(h('div', { class: 'toolbar' }, button('Add Permissions to RAM Role',
    () => showPanel(perms, permissionPanel('Role', name, 'Add Permissions to RAM Role', reload)))));
  await attempt(null, () => attachedPolicies(perms, 'Role', name, reload));
  const trust = h('section', { 'aria-labelledby': 'trust-h' }, h('h2', { id: 'trust-h' }, 'Trust Policy Management'));
  view.append(trust);
  const ed = jsonEditor('Trust Policy', pretty(role.AssumeRolePolicyDocument || ''), 14);
  const slot = h('div', { role: 'alert' });
  trust.append(ed.el, slot, h('div', { class: 'buttons' }, button('Edit Trust Policy', () => attempt(slot, async () => {
    if (!ed.check()) throw new Error(jsonError(ed.textarea.value).message);
    await api('ram', 'UpdateRole', { RoleName: name, NewAssumeRolePolicyDocument: ed.textarea.value });
    notice('The trust policy was updated.');
  }))));
  await tagsSection(view, 'role', name);
}

// Secrets -----------------------------------------------------------------

const versionId = () => `v-${new Date().toISOString().replace(/[-:.TZ]/g, '')}-${Math.random().toString(36).slice(2, 8)}`;

async function viewSecrets() {
  const view = page('Secrets');
  const search = h('input', { type: 'search', placeholder: 'Enter a secret name' });
  const host = h('div', {});
  view.append(h('div', { class: 'toolbar' },
    button('Create Secret', () => showPanel(view, createSecretPanel())), field('Search secrets', search)), host);
  const secrets = await attempt(null, async () => {
    const out = [];
    for (let pageNo = 1; pageNo < 100; pageNo++) {
      const r = await api('kms', 'ListSecrets', { PageNumber: pageNo, PageSize: 100 });
      out.push(...list(r.SecretList, 'Secret'));
      if (out.length >= (r.TotalCount || 0) || !list(r.SecretList, 'Secret').length) break;
    }
    return out;
  });
  if (!secrets) return;
  const render = () => {
    const q = search.value.trim().toLowerCase();
    host.replaceChildren(table('Secrets', [
      { label: 'Secret Name', render: (s) => link(s.SecretName, `#/secrets/${enc(s.SecretName)}`) },
      { label: 'Secret Type', render: (s) => secretTypeLabel(s.SecretType) },
      { label: 'Status', render: (s) => (s.PlannedDeleteTime ? `Pending deletion (${s.PlannedDeleteTime})` : 'Normal') },
      { label: 'Created', render: (s) => s.CreateTime || '' },
    ], secrets.filter((s) => !q || s.SecretName.toLowerCase().includes(q)), 'No secrets.'));
  };
  search.addEventListener('input', render);
  render();
}

function createSecretPanel() {
  let type = 'Generic';
  const body = h('div', {});
  const slot = h('div', { role: 'alert' });
  const description = h('textarea', { rows: 2, cols: 60 });
  const generic = () => {
    const name = h('input', { autocomplete: 'off' });
    const value = h('textarea', { rows: 4, cols: 60 });
    const version = h('input', { autocomplete: 'off', value: 'v1' });
    body.replaceChildren(field('Secret Name', name), field('Secret Value', value), field('Initial Version', version),
      field('Description', description), slot, h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
        const r = await api('kms', 'CreateSecret', { SecretName: name.value.trim(), SecretData: value.value,
          VersionId: version.value.trim(), Description: description.value.trim() || undefined });
        location.hash = `#/secrets/${enc(r.SecretName)}`;
      }))));
  };
  const ram = () => ramSecretForm(body, {});
  let shown = 0;
  const switchType = (t) => {
    type = t;
    slot.replaceChildren();
    // The forms of RAM and database secrets load lists first: until then
    // no field of the previous type stays to be typed into, and a form
    // that finishes loading after another type was chosen is dropped.
    shown += 1;
    body.dataset.form = String(shown);
    body.replaceChildren(h('p', { class: 'hint', role: 'status' }, 'Loading…'));
    if (t === 'Generic') generic();
    else if (t === 'RAMCredentials') ram();
    else dbSecretForm(body, t);
  };
  generic();
  return panel('Create Secret', radios('Secret Type', 'secret-type', [{ value: 'Generic', label: 'Generic Secret' },
    { value: 'RAMCredentials', label: 'RAM Secret' },
    ...Object.entries(DB_TYPES).map(([value, t]) => ({ value, label: t.label }))], type, switchType), body);
}

// ------------------------------------------------------- database secrets

// The database secret types: their label, the ExtendedConfig field naming
// the instance, and the engines their instances may run.
const DB_TYPES = {
  Rds: { label: 'ApsaraDB RDS Secret', idField: 'DBInstanceId', engines: ['PostgreSQL', 'MySQL', 'MariaDB'] },
  PolarDB: { label: 'PolarDB Secret', idField: 'DBClusterId', engines: ['MySQL', 'PostgreSQL'] },
  Redis: { label: 'Redis/Tair Secret', idField: 'InstanceId', engines: ['Redis'] },
};
const DB_INSTANCE_PREFIX = 'rampart/db-instances/';

function secretTypeLabel(t) {
  if (t === 'RAMCredentials') return 'RAM Secret';
  if (t === 'Generic') return 'Generic Secret';
  return (DB_TYPES[t] && DB_TYPES[t].label) || t;
}

function dbInstanceOf(type, ext) {
  return DB_TYPES[type] ? ext[DB_TYPES[type].idField] : undefined;
}

async function listAllSecrets() {
  const out = [];
  for (let pageNo = 1; pageNo < 100; pageNo++) {
    const r = await api('kms', 'ListSecrets', { PageNumber: pageNo, PageSize: 100 });
    const got = list(r.SecretList, 'Secret');
    out.push(...got);
    if (out.length >= (r.TotalCount || 0) || !got.length) break;
  }
  return out;
}

// The form of a database secret: the declared instance, the account(s)
// (Rds: existing ones; PolarDB and Redis: the one Rampart creates, with its
// clone), the rotation.
async function dbSecretForm(host, type) {
  const t = DB_TYPES[type];
  const slot = h('div', { role: 'alert' });
  const form = host.dataset.form;
  const instances = ((await attempt(slot, listAllSecrets)) || [])
    .filter((s) => s.SecretName.startsWith(DB_INSTANCE_PREFIX) && !s.PlannedDeleteTime)
    .map((s) => s.SecretName.slice(DB_INSTANCE_PREFIX.length));
  // Another type was chosen while the instances loaded.
  if (host.dataset.form !== form) return;
  const instance = select([{ value: '', label: 'Select a database instance' }, ...instances], '');
  const name = h('input', { autocomplete: 'off' });
  const accountsHost = h('div', {});
  let sub = 'DoubleUsers';
  const account = h('input', { autocomplete: 'off' });
  const password = h('input', { type: 'password', autocomplete: 'new-password', class: 'secret-box' });
  const account2 = h('input', { autocomplete: 'off' });
  const password2 = h('input', { type: 'password', autocomplete: 'new-password', class: 'secret-box' });
  const clonePreview = h('p', { class: 'hint', role: 'status' });
  const showClone = () => {
    const a = account.value.trim() || '<account>';
    clonePreview.textContent = type === 'Rds' && sub === 'SingleUser'
      ? `The account ${a} gets a new password on every rotation; its old password stops working at once.`
      : type === 'Rds' && account2.value.trim()
        ? `Rotations alternate between ${a} and ${account2.value.trim()}.`
        : type === 'Rds'
          ? `The second account, ${a}_clone, is created with the same privileges on the first rotation; rotations then alternate between the two.`
          : `Rampart creates ${a} and ${a}_clone with the same privileges and one password; rotations alternate between them.`;
  };
  const renderAccounts = () => {
    if (type === 'Rds') {
      accountsHost.replaceChildren(...[
        radios('Account Mode', uid('db-sub'), [{ value: 'DoubleUsers', label: 'Dual accounts' },
          { value: 'SingleUser', label: 'Single account' }], sub, (v) => { sub = v; renderAccounts(); }),
        field('Account Name', account, 'An existing account of the instance (not its admin account).'),
        field('Account Password', password, 'Its current password.'),
        sub === 'DoubleUsers' ? field('Second Account Name (optional)', account2) : null,
        sub === 'DoubleUsers' ? field('Second Account Password', password2) : null,
        clonePreview].filter(Boolean));
    } else {
      accountsHost.replaceChildren(field('Account Name', account, 'A new account: Rampart creates it.'), clonePreview);
    }
    showClone();
  };
  account.addEventListener('input', showClone);
  account2.addEventListener('input', showClone);
  const polarType = select(['MySQL', 'PostgreSQL'], 'MySQL');
  const privilege = select(type === 'Redis' ? ['RoleReadWrite', 'RoleReadOnly'] : ['ReadWrite', 'ReadOnly'],
    type === 'Redis' ? 'RoleReadWrite' : 'ReadWrite');
  let rotation = 'Enable';
  const period = rotationPeriod();
  const desc = h('textarea', { rows: 2, cols: 60 });
  renderAccounts();
  host.replaceChildren(...[
    field('Secret Name', name, 'Letters, digits and / _ + = . @ -; not starting with acs/.'),
    field('Database Instance', instance, 'Instances are declared on the Database Instances page.'),
    instances.length ? null : h('p', { class: 'warning' }, 'No database instance is declared yet. ',
      link('Declare one', '#/db-instances'), ' first.'),
    type === 'PolarDB' ? field('Database Engine', polarType) : null,
    accountsHost,
    type === 'Rds' ? null : field('Account Privilege', privilege),
    radios('Automatic Rotation', uid('auto-rotation'), [{ value: 'Enable', label: 'Enable' }, { value: 'Disable', label: 'Disable' }],
      rotation, (v) => { rotation = v; period.el.hidden = v !== 'Enable'; }),
    period.el, field('Description', desc), slot,
    h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
      if (!instance.value) throw new Error('Select the database instance.');
      if (!account.value.trim()) throw new Error('Enter the account name.');
      const ext = { SecretSubType: type === 'Rds' ? sub : 'DoubleUsers', [t.idField]: instance.value, CustomData: {} };
      let data = '$Auto';
      if (type === 'Rds') {
        const accounts = [{ AccountName: account.value.trim(), AccountPassword: password.value }];
        if (sub === 'DoubleUsers' && account2.value.trim()) {
          accounts.push({ AccountName: account2.value.trim(), AccountPassword: password2.value });
        }
        data = JSON.stringify({ Accounts: accounts });
      } else {
        Object.assign(ext, { AccountName: account.value.trim(), AccountPrivilege: privilege.value,
          RegionId: state.settings.Region || 'cn-hangzhou' });
        if (type === 'PolarDB') ext.DBType = polarType.value;
      }
      const r = await api('kms', 'CreateSecret', {
        SecretType: type, SecretName: name.value.trim(), VersionId: versionId(), SecretDataType: 'text',
        SecretData: data, ExtendedConfig: JSON.stringify(ext),
        EnableAutomaticRotation: rotation === 'Enable' ? 'true' : 'false',
        RotationInterval: rotation === 'Enable' ? period.value() : undefined,
        Description: desc.value.trim() || undefined,
      });
      location.hash = `#/secrets/${enc(r.SecretName)}`;
    })))].filter(Boolean));
}

// The declared database instances: generic secrets named
// rampart/db-instances/<id>; declaring one creates such a secret.
async function viewDbInstances() {
  const view = page('Database Instances');
  view.append(h('p', { class: 'hint' },
    'An instance that database secrets (ApsaraDB RDS, PolarDB, Redis/Tair) rotate accounts on. It is kept as the secret ',
    h('code', {}, `${DB_INSTANCE_PREFIX}<instance id>`), '; who may read or change it follows secret permissions.'));
  const host = h('div', {});
  view.append(h('div', { class: 'toolbar' }, button('Declare Instance', () => showPanel(view, declareInstancePanel()))), host);
  const secrets = await attempt(null, listAllSecrets);
  if (!secrets) return;
  const users = {};
  for (const s of secrets) {
    if (!DB_TYPES[s.SecretType]) continue;
    const d = await attempt(null, () => api('kms', 'DescribeSecret', { SecretName: s.SecretName }));
    let ext = {};
    try { ext = d && d.ExtendedConfig ? JSON.parse(d.ExtendedConfig) : {}; } catch (_e) { ext = {}; }
    const id = dbInstanceOf(s.SecretType, ext);
    if (id) (users[id] = users[id] || []).push(s.SecretName);
  }
  const rows = secrets.filter((s) => s.SecretName.startsWith(DB_INSTANCE_PREFIX))
    .map((s) => ({ id: s.SecretName.slice(DB_INSTANCE_PREFIX.length), secret: s }));
  host.replaceChildren(table('Database Instances', [
    { label: 'Instance ID', render: (r) => link(r.id, `#/db-instances/${enc(r.id)}`) },
    { label: 'Declared As', render: (r) => link(r.secret.SecretName, `#/secrets/${enc(r.secret.SecretName)}`) },
    { label: 'Secrets', render: (r) => String((users[r.id] || []).length) },
    { label: 'Created', render: (r) => r.secret.CreateTime || '' },
  ], rows, 'No database instance is declared.'));
}

async function viewDbInstance(id) {
  const view = page(id, [['Database Instances', '#/db-instances']]);
  const name = `${DB_INSTANCE_PREFIX}${id}`;
  const d = await attempt(null, () => api('kms', 'DescribeSecret', { SecretName: name }));
  if (!d) return;
  view.append(info([['Instance ID', id], ['Declared As', link(name, `#/secrets/${enc(name)}`)],
    ['Created', d.CreateTime], ['Updated', d.UpdateTime]]));
  view.append(h('p', { class: 'hint' }, 'To change the address or the admin credentials, store a new version of the secret (Store New Version on its page); the next rotation uses it.'));
  const secrets = (await attempt(null, listAllSecrets)) || [];
  const mine = [];
  for (const s of secrets.filter((x) => DB_TYPES[x.SecretType])) {
    const ds = await attempt(null, () => api('kms', 'DescribeSecret', { SecretName: s.SecretName }));
    let ext = {};
    try { ext = ds && ds.ExtendedConfig ? JSON.parse(ds.ExtendedConfig) : {}; } catch (_e) { ext = {}; }
    if (dbInstanceOf(s.SecretType, ext) === id) mine.push({ s, d: ds });
  }
  view.append(table('Secrets on this instance', [
    { label: 'Secret Name', render: (r) => link(r.s.SecretName, `#/secrets/${enc(r.s.SecretName)}`) },
    { label: 'Secret Type', render: (r) => secretTypeLabel(r.s.SecretType) },
    { label: 'Automatic Rotation', render: (r) => (r.d && r.d.AutomaticRotation) || '' },
    { label: 'Next Rotation', render: (r) => (r.d && r.d.NextRotationDate) || '' },
  ], mine, 'No secret rotates accounts on this instance.'));
}

function declareInstancePanel() {
  const id = h('input', { autocomplete: 'off', placeholder: 'rm-app' });
  const engine = select(['PostgreSQL', 'MySQL', 'MariaDB', 'Redis'], 'PostgreSQL');
  const hostIn = h('input', { autocomplete: 'off', placeholder: '10.0.0.5' });
  const port = h('input', { type: 'number', min: '1', max: '65535', value: '5432' });
  const admin = h('input', { autocomplete: 'off' });
  const adminPw = h('input', { type: 'password', autocomplete: 'new-password', class: 'secret-box' });
  const database = h('input', { autocomplete: 'off' });
  const tls = select([{ value: '', label: 'No TLS' }, { value: 'require', label: 'require' },
    { value: 'verify-ca', label: 'verify-ca' }, { value: 'verify-full', label: 'verify-full' }], '');
  const ca = h('textarea', { rows: 4, cols: 60, placeholder: '-----BEGIN CERTIFICATE-----' });
  const pgOnly = [field('Database', database, 'PostgreSQL: the database whose privileges a clone account copies (default postgres).'),
    field('TLS', tls, 'PostgreSQL only.'), field('CA Certificate (PEM)', ca)];
  engine.addEventListener('change', () => {
    port.value = { PostgreSQL: '5432', MySQL: '3306', MariaDB: '3306', Redis: '6379' }[engine.value];
    for (const f of pgOnly) f.hidden = engine.value !== 'PostgreSQL';
  });
  const slot = h('div', { role: 'alert' });
  return panel('Declare Database Instance',
    field('Instance ID', id, 'The id database secrets name in their ExtendedConfig (DBInstanceId, DBClusterId, InstanceId).'),
    field('Engine', engine), field('Host', hostIn), field('Port', port),
    field('Admin Account', admin, 'An account allowed to create accounts and change passwords (Redis: empty for the default user).'),
    field('Admin Password', adminPw), ...pgOnly, slot,
    h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
      const value = { Engine: engine.value, Host: hostIn.value.trim(), Port: Number(port.value),
        AdminAccount: admin.value.trim(), AdminPassword: adminPw.value };
      if (engine.value === 'PostgreSQL' && database.value.trim()) value.Database = database.value.trim();
      if (engine.value === 'PostgreSQL' && tls.value) value.TLS = { Mode: tls.value, CA: ca.value.trim() || undefined };
      await api('kms', 'CreateSecret', { SecretName: `${DB_INSTANCE_PREFIX}${id.value.trim()}`,
        SecretData: JSON.stringify(value), VersionId: versionId(),
        Description: `Database instance ${id.value.trim()} (${engine.value})` });
      location.hash = `#/db-instances/${enc(id.value.trim())}`;
    }))));
}

// The RAM secret form: the user (or the one given), the name the secret will
// get, the secret of each AccessKey of the user — those the console holds
// (`preset.keys`, a key just created) are filled in and never shown — and
// the rotation.
async function ramSecretForm(host, preset) {
  const slot = h('div', { role: 'alert' });
  const known = preset.keys || {};
  const form = host.dataset.form;
  let user;
  if (preset.user) {
    user = h('input', { readonly: true, value: preset.user });
  } else {
    const users = await attempt(slot, () => listAll('ListUsers', 'Users', 'User')) || [];
    // Another type was chosen while the users loaded.
    if (host.dataset.form !== form) return;
    user = select([{ value: '', label: 'Select a RAM user' }, ...users.map((u) => u.UserName)], '');
  }
  const secretName = h('input', { readonly: true, value: '', placeholder: 'acs/ram/user/<user name>' });
  const keysHost = h('div', {});
  let keyInputs = [];
  const loadKeys = () => attempt(slot, async () => {
    keysHost.replaceChildren();
    keyInputs = [];
    secretName.value = user.value ? `acs/ram/user/${user.value}` : '';
    if (!user.value) return;
    const r = await api('ram', 'ListAccessKeys', { UserName: user.value });
    // The keys the console holds come first: the first is the current one.
    const keys = list(r.AccessKeys, 'AccessKey').sort((a, b) => (b.AccessKeyId in known) - (a.AccessKeyId in known));
    if (!keys.length) {
      keysHost.append(h('p', { class: 'warning' }, 'This RAM user has no AccessKey. Create one on the user\'s page first.'));
      return;
    }
    const fs = h('fieldset', {}, h('legend', {}, 'AccessKey'));
    if (keys.some((k) => !(k.AccessKeyId in known))) {
      fs.append(h('p', { class: 'hint' }, 'Enter the AccessKey secret of every AccessKey pair of the user. The secrets cannot be read back from RAM, so paste the ones you saved when the keys were created.'));
    }
    for (const k of keys) {
      if (k.AccessKeyId in known) {
        keyInputs.push({ id: k.AccessKeyId, value: () => known[k.AccessKeyId] });
        fs.append(h('p', {}, `AccessKey ${k.AccessKeyId}: its secret is filled in by the console.`));
      } else {
        const i = h('input', { type: 'password', autocomplete: 'off', class: 'secret-box' });
        keyInputs.push({ id: k.AccessKeyId, value: () => i.value });
        fs.append(field(`AccessKey Secret of ${k.AccessKeyId}`, i));
      }
    }
    keysHost.append(fs);
  });
  if (!preset.user) user.addEventListener('change', loadKeys);
  let rotation = 'Enable';
  const period = rotationPeriod();
  const desc = h('textarea', { rows: 2, cols: 60 });
  host.replaceChildren(
    field('RAM User', user),
    field('Secret Name', secretName, 'A RAM secret is named after its user.'),
    keysHost,
    radios('Automatic Rotation', uid('auto-rotation'), [{ value: 'Enable', label: 'Enable' }, { value: 'Disable', label: 'Disable' }],
      rotation, (v) => { rotation = v; period.el.hidden = v !== 'Enable'; }),
    period.el, field('Description', desc), slot,
    h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
      if (!user.value) throw new Error('Select the RAM user whose AccessKeys the secret holds.');
      const interval = rotation === 'Enable' ? period.value() : undefined;
      const data = { AccessKeys: keyInputs.map((k) => ({ AccessKeyId: k.id, AccessKeySecret: k.value() })) };
      const r = await api('kms', 'CreateSecret', {
        SecretType: 'RAMCredentials', SecretName: '$Auto', VersionId: versionId(), SecretDataType: 'text',
        SecretData: JSON.stringify(data),
        ExtendedConfig: JSON.stringify({ SecretSubType: 'RamUserAccessKey', UserName: user.value, CustomData: {} }),
        EnableAutomaticRotation: rotation === 'Enable' ? 'true' : 'false',
        RotationInterval: interval,
        Description: desc.value.trim() || undefined,
      });
      location.hash = `#/secrets/${enc(r.SecretName)}`;
    }))));
  if (preset.user) await loadKeys();
}

function seconds(text) {
  const m = /^(\d+)s$/.exec(text || '');
  if (!m) return text || '';
  const s = Number(m[1]);
  return s % 86400 === 0 ? `${s / 86400} days` : s % 3600 === 0 ? `${s / 3600} hours` : `${s} seconds`;
}

async function viewSecret(name) {
  const view = page(name, [['Secrets', '#/secrets']]);
  const reload = () => viewSecret(name);
  const d = await attempt(null, () => api('kms', 'DescribeSecret', { SecretName: name }));
  if (!d) return;
  const isRam = d.SecretType === 'RAMCredentials';
  const generic = d.SecretType === 'Generic';
  let ext = {};
  try {
    ext = d.ExtendedConfig ? JSON.parse(d.ExtendedConfig) : {};
  } catch (_e) {
    ext = {};
  }
  view.append(info([
    ['Secret Name', d.SecretName], ['ARN', d.Arn],
    ['Secret Type', secretTypeLabel(d.SecretType)],
    ['Database Instance', DB_TYPES[d.SecretType] && dbInstanceOf(d.SecretType, ext)
      ? link(dbInstanceOf(d.SecretType, ext), `#/db-instances/${enc(dbInstanceOf(d.SecretType, ext))}`) : undefined],
    ['Accounts', DB_TYPES[d.SecretType] ? (ext.SecretSubType === 'SingleUser'
      ? 'Single account: a rotation gives it a new password; the old one stops working.'
      : 'Dual accounts: ACSCurrent and ACSPrevious name one account each; both always log on.') : undefined],
    ['RAM User', isRam ? (ext.UserName ? link(ext.UserName, `#/users/${enc(ext.UserName)}`) : '') : undefined],
    ['Description', d.Description], ['Encryption Key', d.EncryptionKeyId || 'Default service key'],
    ['Created', d.CreateTime], ['Updated', d.UpdateTime],
  ]));
  const actions = h('div', { class: 'buttons' });
  view.append(actions);
  if (d.PlannedDeleteTime) {
    view.insertBefore(h('div', { class: 'warning', role: 'status' },
      `This secret is scheduled for deletion at ${d.PlannedDeleteTime}. Restore it to use it again.`), actions);
    actions.append(button('Restore', () => attempt(null, async () => {
      await api('kms', 'RestoreSecret', { SecretName: name });
      reload();
    })));
  } else {
    actions.append(button('Delete Secret', () => {
      let mode = 'schedule';
      const days = h('input', { type: 'number', min: '7', max: '30', value: '30' });
      const daysField = field('Recovery Window (days)', days, '7 to 30 days; the secret can be restored until then.');
      const slot = h('div', { role: 'alert' });
      showPanel(view, panel('Delete Secret',
        radios('Deletion Method', 'delete-mode', [{ value: 'schedule', label: 'Schedule Deletion' },
          { value: 'force', label: 'Delete Immediately' }], mode, (v) => { mode = v; daysField.hidden = v !== 'schedule'; }),
        daysField,
        isRam ? h('p', { class: 'hint' }, 'Deleting a RAM secret does not delete the RAM user\'s AccessKeys.') : null,
        slot, h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
          await api('kms', 'DeleteSecret', mode === 'force'
            ? { SecretName: name, ForceDeleteWithoutRecovery: 'true' }
            : { SecretName: name, RecoveryWindowInDays: days.value });
          if (mode === 'force') location.hash = '#/secrets';
          else reload();
        }), 'danger'))));
    }, 'danger'));
  }

  if (!generic) {
    const rot = h('section', { 'aria-labelledby': 'rot-h' }, h('h2', { id: 'rot-h' }, 'Rotation'));
    view.append(rot);
    rot.append(info([
      ['Automatic Rotation', d.AutomaticRotation], ['Rotation Period', seconds(d.RotationInterval)],
      ['Last Rotation', d.LastRotationDate], ['Next Rotation', d.NextRotationDate],
      ['Rotation Status', d.RotationStatus], ['Last Rotation Error', d.LastRotationError],
    ]));
    const rslot = h('div', { role: 'alert' });
    const result = h('div', {});
    const grace = duration(state.settings.RotationGracePeriod || 2 * 86400);
    const ramUser = ext.UserName || 'the user';
    const rotateMessage = isRam
      ? `Rotate ${name} now? A new AccessKey of ${ramUser} becomes the current version (ACSCurrent). `
        + `The previous key (ACSPrevious) keeps working for the grace period, ${grace}, and is then deleted. `
        + `If ${ramUser} already holds two AccessKeys, the one that is not current is deleted at once, before the new one is made.`
      : DB_TYPES[d.SecretType] && ext.SecretSubType === 'SingleUser'
        ? `Rotate ${name} now? The account gets a new password in the database, which becomes the current version (ACSCurrent); the old password stops working at once.`
        : DB_TYPES[d.SecretType]
          ? `Rotate ${name} now? The account behind ACSPrevious gets a new password in the database and becomes current; the account that is current now keeps working, as ACSPrevious, until the next rotation.`
          : `Rotate ${name} now?`;
    const buttons = h('div', { class: 'buttons' });
    buttons.append(
      button('Rotate Now', () => {
        if (buttons.querySelector('.warning')) return;
        confirmInline(buttons, rotateMessage, 'Rotate', async () => {
          const r = await api('kms', 'RotateSecret', { SecretName: name, VersionId: versionId() });
          state.flash = `Rotation completed: the current version is now ${r.VersionId}.`;
          reload();
        });
      }, null),
      button('Configure Rotation', () => {
        let enabled = d.AutomaticRotation === 'Enabled' ? 'Enable' : 'Disable';
        const m = /^(\d+)s$/.exec(d.RotationInterval || '');
        const period = rotationPeriod(m ? Number(m[1]) : 0);
        period.el.hidden = enabled !== 'Enable';
        const slot = h('div', { role: 'alert' });
        showPanel(rot, panel('Configure Rotation',
          radios('Automatic Rotation', 'cfg-rotation', [{ value: 'Enable', label: 'Enable' }, { value: 'Disable', label: 'Disable' }],
            enabled, (v) => { enabled = v; period.el.hidden = v !== 'Enable'; }), period.el, slot,
          h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
            await api('kms', 'UpdateSecretRotationPolicy', { SecretName: name, EnableAutomaticRotation: enabled === 'Enable' ? 'true' : 'false',
              RotationInterval: enabled === 'Enable' ? period.value() : undefined });
            reload();
          })))));
      }, 'secondary'));
    rot.append(rslot, result, buttons);
    if (state.flash) {
      result.append(h('div', { class: 'notice', role: 'status' }, state.flash));
      state.flash = null;
    }
  }

  const versions = h('section', { 'aria-labelledby': 'sver-h' }, h('h2', { id: 'sver-h' }, 'Versions'));
  view.append(versions);
  const vslot = h('div', { role: 'alert' });
  versions.append(vslot);
  if (generic && !d.PlannedDeleteTime) {
    versions.append(h('div', { class: 'toolbar' }, button('Store New Version', () => {
      const vid = h('input', { autocomplete: 'off', value: versionId() });
      const val = h('textarea', { rows: 4, cols: 60 });
      const slot = h('div', { role: 'alert' });
      showPanel(versions, panel('Store New Version', field('Version', vid), field('Secret Value', val), slot,
        h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
          await api('kms', 'PutSecretValue', { SecretName: name, VersionId: vid.value.trim(), SecretData: val.value });
          reload();
        })))));
    }, 'secondary')));
  }
  await attempt(vslot, async () => {
    const r = await api('kms', 'ListSecretVersionIds', { SecretName: name, IncludeDeprecated: 'true', PageSize: 100 });
    versions.append(table(`Versions of ${name}`, [
      { label: 'Version', render: (v) => v.VersionId },
      { label: 'Version Stages', render: (v) => list(v.VersionStages, 'VersionStage').join(', ') || '—' },
      { label: 'Created', render: (v) => v.CreateTime || '' },
    ], list(r.VersionIds, 'VersionId'), 'No versions.'));
  });

  const value = h('section', { 'aria-labelledby': 'val-h' }, h('h2', { id: 'val-h' }, 'Secret Value'));
  view.append(value);
  const valSlot = h('div', { role: 'alert' });
  const out = h('div', {});
  out.id = uid('secret-value');
  const toggle = button('Show Secret Value', () => attempt(valSlot, async () => {
    if (out.childElementCount) {
      out.replaceChildren();
      toggle.textContent = 'Show Secret Value';
      toggle.setAttribute('aria-expanded', 'false');
      return;
    }
    const r = await api('kms', 'GetSecretValue', { SecretName: name });
    out.replaceChildren(info([['Version', r.VersionId], ['Version Stages', list(r.VersionStages, 'VersionStage').join(', ')]]),
      h('pre', { class: 'doc', tabindex: '0', 'aria-label': 'Secret value (ACSCurrent)' }, isRam ? pretty(r.SecretData) : r.SecretData));
    toggle.textContent = 'Hide Secret Value';
    toggle.setAttribute('aria-expanded', 'true');
  }), 'secondary');
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-controls', out.id);
  value.append(valSlot, toggle, out);
}

// Policy simulator --------------------------------------------------------

async function viewSimulator(query) {
  const view = page('Policy Simulator');
  const q = new URLSearchParams(query || '');
  view.append(h('p', {}, 'Why was a request denied? Choose a RAM user or role, an action and a resource: the simulator evaluates the principal\'s policies exactly as the API does and names the statements behind the decision.'));
  let kind = q.get('type') === 'Role' ? 'Role' : 'User';
  const name = h('input', { autocomplete: 'off', list: 'sim-principals', value: q.get('name') || '' });
  const dl = h('datalist', { id: 'sim-principals' });
  const action = h('input', { autocomplete: 'off', placeholder: 'kms:GetSecretValue', value: q.get('action') || '' });
  const resource = h('input', { autocomplete: 'off', placeholder: `acs:kms:*:${state.principal.AccountId}:secret/*`, value: q.get('resource') || '' });
  const ip = h('input', { autocomplete: 'off', placeholder: '192.0.2.10' });
  const https = checkbox('Request sent over HTTPS (acs:SecureTransport)', false);
  const fillNames = async () => {
    dl.replaceChildren();
    try {
      const items = kind === 'Role' ? await listAll('ListRoles', 'Roles', 'Role') : await listAll('ListUsers', 'Users', 'User');
      for (const it of items) dl.append(h('option', { value: it.RoleName || it.UserName }));
    } catch (_e) { /* the caller may not list them; typing the name still works */ }
  };
  const slot = h('div', { role: 'alert' });
  const result = h('section', { 'aria-labelledby': 'sim-result-h', 'aria-live': 'polite' });
  const run = () => attempt(slot, async () => {
    result.replaceChildren();
    const r = await post('/console/api/simulate', { PrincipalType: kind, PrincipalName: name.value.trim(), Action: action.value.trim(),
      Resource: resource.value.trim(), SourceIp: ip.value.trim(), SecureTransport: https.input.checked ? 'true' : 'false' });
    const label = { Allow: 'Allowed', ExplicitDeny: 'Explicitly denied', ImplicitDeny: 'Implicitly denied' }[r.Decision] || r.Decision;
    const note = /^ram:/i.test(action.value.trim()) && /^acs:ram::/i.test(resource.value.trim())
      ? [h('p', { class: 'hint', role: 'note' }, ramArnNote(resource.value.trim()))] : [];
    result.append(h('h2', { id: 'sim-result-h' }, 'Result'), ...note,
      info([['Principal', r.Principal], ['Action', r.Action], ['Resource', r.Resource],
        ['Decision', h('span', { class: `decision-${r.Decision}` }, label)], ['Explanation', r.Explanation]]),
      table('Statements behind the decision', [
        { label: 'Policy', render: (x) => x.PolicyName },
        { label: 'Policy Type', render: (x) => x.PolicyType },
        { label: 'Version', render: (x) => x.Version },
        { label: 'Statement', render: (x) => `${x.Statement}${x.Sid ? ` (${x.Sid})` : ''}` },
        { label: 'Effect', render: (x) => x.Effect },
      ], r.Reasons || [], 'No statement matched: nothing allows the request, so it is denied by default.'));
    const k = KIND[kind];
    try {
      const p = await api('ram', k.list, { [k.param]: name.value.trim() });
      const names = list(p.Policies, 'Policy').map((x) => `${x.PolicyName} (${x.PolicyType})`);
      result.append(h('p', {}, `Policies attached directly to ${name.value.trim()}: ${names.length ? names.join(', ') : 'none'}.`));
    } catch (_e) { /* listing is optional */ }
  });
  view.append(
    radios('Principal Type', 'sim-type', [{ value: 'User', label: 'RAM User' }, { value: 'Role', label: 'RAM Role' }], kind,
      (v) => { kind = v; fillNames(); }),
    field('Principal Name', name), dl,
    field('Action', action, 'The action as written in policies: <service>:<Action>.'),
    field('Resource', resource, 'The resource ARN the action is checked against.'),
    field('Source IP (optional)', ip), https.el, slot,
    h('div', { class: 'buttons' }, button('Simulate', run)), result);
  fillNames();
  if (q.get('name') && q.get('action') && q.get('resource')) run();
}

// Audit -------------------------------------------------------------------

// The console's own calls carry this user agent in the trail.
const CONSOLE_AGENT = 'rampart-console';

// How an event ended: a read that found nothing (a user page asking for an
// MFA device or a login profile the user does not have) is a routine
// look-up, not a failure.
function eventResult(e) {
  if (!e.errorCode) return h('span', { class: 'status-ok' }, 'Success');
  if (e.eventRW === 'Read' && /^EntityNotExist/.test(e.errorCode)) {
    return h('span', { class: 'status-none', title: e.errorCode }, 'Not found');
  }
  return h('span', { class: 'status-bad' }, e.errorCode);
}

async function viewAudit() {
  const view = page('Trail');
  const eventName = h('input', { autocomplete: 'off', placeholder: 'e.g. CreateAccessKey' });
  const userName = h('input', { autocomplete: 'off', placeholder: 'e.g. alice' });
  const hideOwn = checkbox('Hide the console\'s own page-view reads', true, () => load(false));
  const slot = h('div', { role: 'status' });
  let token = '';
  let shown = [];
  let hidden = 0;
  let generation = 0;
  const fetchPage = async () => {
    const params = { MaxResults: 50 };
    let n = 1;
    if (eventName.value.trim()) {
      params[`LookupAttribute.${n}.Key`] = 'EventName';
      params[`LookupAttribute.${n}.Value`] = eventName.value.trim();
      n += 1;
    }
    if (userName.value.trim()) {
      params[`LookupAttribute.${n}.Key`] = 'UserName';
      params[`LookupAttribute.${n}.Value`] = userName.value.trim();
    }
    if (token) params.NextToken = token;
    return api('actiontrail', 'LookupEvents', params);
  };
  const own = (e) => e.userAgent === CONSOLE_AGENT && e.eventRW === 'Read';
  const load = async (more) => {
    // A newer search supersedes one still loading.
    const mine = ++generation;
    if (!more) token = '';
    let got = more ? [...shown] : [];
    let skipped = more ? hidden : 0;
    const ok = await attempt(slot, async () => {
      // With the console's reads hidden, read on until a page's worth shows.
      const before = got.length;
      for (let i = 0; i < 10; i++) {
        const r = await fetchPage();
        if (mine !== generation) return false;
        token = r.NextToken || '';
        for (const e of r.Events || []) {
          if (hideOwn.input.checked && own(e)) skipped += 1;
          else got.push(e);
        }
        if (!token || got.length - before >= 20) break;
      }
      return true;
    });
    if (!ok || mine !== generation) return;
    shown = got;
    hidden = skipped;
    slot.replaceChildren(table('Events, newest first', [
      { label: 'Time', cls: 'nowrap', render: (e) => e.eventTime },
      { label: 'Event', cls: 'nowrap', render: (e) => `${e.serviceName}:${e.eventName}` },
      { label: 'Principal and Source', render: (e) => [`${e.userIdentity.type} ${e.userIdentity.userName || ''}`,
        h('div', { class: 'hint' }, `${e.sourceIpAddress || 'Rampart'}${e.userAgent === CONSOLE_AGENT ? ' (console)' : ''}`)] },
      { label: 'Resource', render: (e) => e.resourceName || '' },
      { label: 'Result', cls: 'nowrap', render: eventResult },
    ], shown, 'No events in the last 7 days.'));
    if (hidden) slot.append(h('p', { class: 'hint' }, `${plural(hidden, 'read')} by the console itself hidden.`));
    if (token) slot.append(h('div', { class: 'buttons' }, button('More', () => load(true))));
  };
  view.append(h('form', { class: 'toolbar', onsubmit: (ev) => { ev.preventDefault(); load(false); } },
    field('Event Name', eventName), field('User Name', userName), hideOwn.el,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Search'))), slot);
  await load(false);
}

// ---------------------------------------------------------------- routing and logon

const ROUTES = [
  [/^#\/users$/, () => viewUsers()],
  [/^#\/users\/(.+)$/, (m) => viewUser(decodeURIComponent(m[1]))],
  [/^#\/groups$/, () => viewGroups()],
  [/^#\/groups\/(.+)$/, (m) => viewGroup(decodeURIComponent(m[1]))],
  [/^#\/policies$/, () => viewPolicies()],
  [/^#\/policies\/create$/, () => viewCreatePolicy()],
  [/^#\/policies\/(System|Custom)\/(.+)$/, (m) => viewPolicy(m[1], decodeURIComponent(m[2]))],
  [/^#\/grants$/, () => viewGrants()],
  [/^#\/roles$/, () => viewRoles()],
  [/^#\/roles\/(.+)$/, (m) => viewRole(decodeURIComponent(m[1]))],
  [/^#\/keys$/, () => viewKeys()],
  [/^#\/keys\/(.+)$/, (m) => viewKey(decodeURIComponent(m[1]))],
  [/^#\/secrets$/, () => viewSecrets()],
  [/^#\/db-instances$/, () => viewDbInstances()],
  [/^#\/db-instances\/(.+)$/, (m) => viewDbInstance(decodeURIComponent(m[1]))],
  [/^#\/secrets\/(.+)$/, (m) => viewSecret(decodeURIComponent(m[1]))],
  [/^#\/simulator(?:\?(.*))?$/, (m) => viewSimulator(m[1])],
  [/^#\/audit$/, () => viewAudit()],
];

async function route() {
  if (!state.csrf) return;
  const hash = location.hash && location.hash !== '#' ? location.hash : '#/users';
  $('#alerts').replaceChildren();
  const section = hash.split(/[/?]/)[1];
  for (const a of document.querySelectorAll('.sidenav a')) {
    if (a.getAttribute('href') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const main = $('#main');
  for (const [re, fn] of ROUTES) {
    const m = re.exec(hash);
    if (m) {
      main.setAttribute('aria-busy', 'true');
      const done = fn(m);
      const h1 = $('#view h1');
      if (h1 && state.focusOnRoute) h1.focus();
      state.focusOnRoute = true;
      try {
        await done;
      } finally {
        main.setAttribute('aria-busy', 'false');
      }
      document.title = `${$('#view h1') ? $('#view h1').textContent + ' · ' : ''}Rampart RAM Console`;
      return;
    }
  }
  page('Not Found').append(h('p', {}, 'There is no such console page.'));
}

function showLogin(message) {
  state.csrf = null;
  state.principal = null;
  $('#app-view').hidden = true;
  $('#logout').hidden = true;
  $('#whoami').textContent = '';
  $('#login-view').hidden = false;
  const err = $('#login-error');
  err.replaceChildren();
  if (message) err.append(h('div', { class: 'alert' }, message));
  $('#login-name').focus();
}

function showApp(info) {
  state.csrf = info.CsrfToken;
  state.principal = info.Principal;
  state.mustChangePassword = Boolean(info.MustChangePassword);
  // The server's settings the forms follow (rotation periods, grace period).
  state.settings = info.Settings || {};
  $('#login-view').hidden = true;
  $('#app-view').hidden = false;
  $('#logout').hidden = false;
  $('#whoami').textContent = `Logged on as ${info.Principal.DisplayName}`;
  state.focusOnRoute = false;
  if (state.mustChangePassword) {
    if (location.hash === '#/password') route();
    else location.hash = '#/password';
  } else if (!location.hash || location.hash === '#') location.hash = '#/users';
  else route();
}

async function login(ev) {
  ev.preventDefault();
  const err = $('#login-error');
  err.replaceChildren();
  const btn = ev.target.querySelector('button[type=submit]');
  btn.disabled = true;
  try {
    const mfaField = $('#login-mfa-field');
    const params = { LoginName: $('#login-name').value, Password: $('#login-password').value };
    if (!mfaField.hidden) params.MFACode = $('#login-mfa').value.trim();
    const r = await post('/console/api/login', params);
    $('#login-password').value = '';
    $('#login-mfa').value = '';
    mfaField.hidden = true;
    showApp(r);
  } catch (e) {
    const code = e instanceof ApiError ? e.body.Code : '';
    if (code === 'InvalidLogin.MFARequired' || code === 'InvalidLogin.MFACode') {
      // The second step: the password stays, the code is asked for.
      $('#login-mfa-field').hidden = false;
      $('#login-mfa').value = '';
      $('#login-mfa').focus();
    }
    err.replaceChildren(errorBox(e));
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  try {
    await post('/console/api/logout', {});
  } catch (_e) { /* the session may be gone already */ }
  location.hash = '';
  showLogin('You have logged out.');
}

async function start() {
  $('#login-form').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  const r = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (r.ok) showApp(await r.json());
  else showLogin();
}

document.addEventListener('DOMContentLoaded', start);
