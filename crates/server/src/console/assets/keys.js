// Rampart console: the KMS Keys pages (list, create, enable/disable, schedule
// and cancel deletion, download a public key, edit the key policy). Loaded
// after app.js, whose helpers (h, api, page, table, ...) it uses.
'use strict';

const KEY_SPECS = {
  Aliyun_AES_256: ['ENCRYPT/DECRYPT'],
  Aliyun_SM4: ['ENCRYPT/DECRYPT'],
  RSA_2048: ['SIGN/VERIFY', 'ENCRYPT/DECRYPT'],
  RSA_3072: ['SIGN/VERIFY', 'ENCRYPT/DECRYPT'],
  EC_P256: ['SIGN/VERIFY'],
  EC_P256K: ['SIGN/VERIFY'],
  EC_SM2: ['SIGN/VERIFY', 'ENCRYPT/DECRYPT'],
};
const isAsymmetric = (spec) => !spec.startsWith('Aliyun_');

async function viewKeys() {
  const view = page('Keys');
  const host = h('div', {});
  view.append(h('div', { class: 'toolbar' }, button('Create Key', () => showPanel(view, createKeyPanel()))), host);
  const keys = await attempt(null, async () => {
    const ids = [];
    for (let pageNo = 1; pageNo < 100; pageNo++) {
      const r = await api('kms', 'ListKeys', { PageNumber: pageNo, PageSize: 100 });
      const got = list(r.Keys, 'Key');
      ids.push(...got);
      if (ids.length >= (r.TotalCount || 0) || !got.length) break;
    }
    const out = [];
    for (const k of ids) {
      const d = await api('kms', 'DescribeKey', { KeyId: k.KeyId });
      out.push(d.KeyMetadata);
    }
    return out;
  });
  if (!keys) return;
  host.replaceChildren(table('Keys', [
    { label: 'Key ID', render: (k) => link(k.KeyId, `#/keys/${enc(k.KeyId)}`) },
    { label: 'Key Spec', render: (k) => k.KeySpec },
    { label: 'Usage', render: (k) => k.KeyUsage },
    { label: 'Status', render: (k) => k.KeyState },
    { label: 'Description', render: (k) => k.Description || '' },
  ], keys, 'No keys.'));
}

function createKeyPanel() {
  const slot = h('div', { role: 'alert' });
  const spec = select(Object.keys(KEY_SPECS), 'Aliyun_AES_256');
  const usage = select(KEY_SPECS.Aliyun_AES_256, 'ENCRYPT/DECRYPT');
  spec.addEventListener('change', () => {
    usage.replaceChildren(...KEY_SPECS[spec.value].map((u) => h('option', { value: u }, u)));
  });
  const description = h('textarea', { rows: 2, cols: 60 });
  return panel('Create Key',
    field('Key Spec', spec, 'Symmetric keys encrypt; RSA and EC_SM2 keys sign or encrypt; EC_P256 and EC_P256K keys sign.'),
    field('Key Usage', usage), field('Description', description), slot,
    h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
      const r = await api('kms', 'CreateKey', { KeySpec: spec.value, KeyUsage: usage.value,
        Description: description.value.trim() || undefined });
      location.hash = `#/keys/${enc(r.KeyMetadata.KeyId)}`;
    }))));
}

// Named apart from app.js's `download` (CSV): both scripts share one global scope.
function downloadPem(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function viewKey(id) {
  const view = page(id, [['Keys', '#/keys']]);
  const reload = () => viewKey(id);
  const d = await attempt(null, () => api('kms', 'DescribeKey', { KeyId: id }));
  if (!d) return;
  const k = d.KeyMetadata;
  view.append(info([
    ['Key ID', k.KeyId], ['ARN', k.Arn], ['Key Spec', k.KeySpec], ['Key Usage', k.KeyUsage],
    ['Status', k.KeyState], ['Origin', k.Origin], ['Description', k.Description],
    ['Created', k.CreationDate], ['Primary Version', k.PrimaryKeyVersion],
    ['Scheduled Deletion', k.DeleteDate || undefined],
  ]));
  const actions = h('div', { class: 'buttons' });
  view.append(actions);
  if (k.KeyState === 'PendingDeletion') {
    actions.append(button('Cancel Deletion', () => attempt(null, async () => {
      await api('kms', 'CancelKeyDeletion', { KeyId: id });
      reload();
    })));
  } else {
    if (k.KeyState === 'Enabled') {
      actions.append(button('Disable', () => attempt(null, async () => {
        await api('kms', 'DisableKey', { KeyId: id });
        reload();
      }), 'secondary'));
    } else if (k.KeyState === 'Disabled') {
      actions.append(button('Enable', () => attempt(null, async () => {
        await api('kms', 'EnableKey', { KeyId: id });
        reload();
      })));
    }
    actions.append(button('Schedule Deletion', () => {
      const days = h('input', { type: 'number', min: '7', max: '366', value: '30' });
      const slot = h('div', { role: 'alert' });
      showPanel(view, panel('Schedule Deletion',
        field('Pending Period (days)', days, '7 to 366 days; the deletion can be cancelled until then.'), slot,
        h('div', { class: 'buttons' }, button('OK', () => attempt(slot, async () => {
          await api('kms', 'ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: days.value });
          reload();
        }), 'danger'))));
    }, 'danger'));
  }

  if (isAsymmetric(k.KeySpec)) {
    const sec = h('section', { 'aria-labelledby': 'ver-h' }, h('h2', { id: 'ver-h' }, 'Key Versions'));
    view.append(sec);
    const r = await attempt(null, () => api('kms', 'ListKeyVersions', { KeyId: id, PageSize: 100 }));
    const versions = r ? list(r.KeyVersions, 'KeyVersion') : [];
    sec.append(table(`Versions of ${id}`, [
      { label: 'Version ID', render: (v) => v.KeyVersionId },
      { label: 'Created', render: (v) => v.CreationDate },
      { label: 'Public Key', render: (v) => button('Download Public Key', () => attempt(null, async () => {
        const p = await api('kms', 'GetPublicKey', { KeyId: id, KeyVersionId: v.KeyVersionId });
        downloadPem(`${id}-${v.KeyVersionId}.pem`, p.PublicKey);
        notice(`The public key of version ${v.KeyVersionId} was downloaded.`);
      }), 'secondary') },
    ], versions, 'No versions.'));
  }

  const pol = h('section', { 'aria-labelledby': 'kp-h' }, h('h2', { id: 'kp-h' }, 'Key Policy'));
  view.append(pol);
  const p = await attempt(null, () => api('kms', 'GetKeyPolicy', { KeyId: id, PolicyName: 'default' }));
  if (!p) return;
  const editor = jsonEditor('Key Policy Document', pretty(p.Policy), 12);
  const slot = h('div', { role: 'alert' });
  pol.append(h('p', { class: 'hint' },
    'Evaluated with the identity policies: either may allow, an explicit Deny in either wins. '
    + 'A statement naming the whole account leaves access to the identity policies.'),
  editor.el, slot, h('div', { class: 'buttons' }, button('Save Key Policy', () => attempt(slot, async () => {
    if (!editor.check()) throw new Error('Fix the JSON first.');
    try {
      await api('kms', 'SetKeyPolicy', { KeyId: id, PolicyName: 'default', Policy: editor.textarea.value });
    } catch (e) {
      caretAt(editor.textarea, e);
      throw e;
    }
    notice('The key policy was saved.');
  }))));
}
