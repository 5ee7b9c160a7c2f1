import { keepalivedCheck } from '../test-support/binary-checks';
import { goldenText } from '../test-support/golden-files';
import { LVS_GOLDEN_CASES, VRRP_GOLDEN_CASES } from '../test-support/keepalived-golden-models';
import { renderKeepalivedLvsConfig, renderKeepalivedVrrpConfig } from './keepalived-config.renderer';

describe('keepalived VRRP golden files', () => {
  describe.each(VRRP_GOLDEN_CASES.map((golden) => [golden.name, golden] as const))('%s', (name, golden) => {
    const fileName = `${name}.keepalived.conf`;

    it('renders exactly the golden file', () => {
      const rendered = renderKeepalivedVrrpConfig(golden.lb, golden.options);
      expect(rendered).toBe(goldenText(fileName, rendered));
    });

    it('is accepted by keepalived -t with no diagnostics', () => {
      const text = goldenText(fileName, renderKeepalivedVrrpConfig(golden.lb, golden.options));
      expect(keepalivedCheck(text)).toEqual({ ok: true, status: 0, output: '' });
    });
  });

  it('the keepalived -t check really fails on broken VRRP configs', () => {
    const text = renderKeepalivedVrrpConfig(VRRP_GOLDEN_CASES[0].lb, VRRP_GOLDEN_CASES[0].options);
    // An unknown keyword: keepalived reports it but still exits 0, which is why the check also
    // requires silence. (A *valid* injected directive such as notify_master passes -t: that is
    // what the renderer's own validation is for.)
    const unknownKeyword = keepalivedCheck(text.replace('    nopreempt\n', '    nopreempt\n    no_such_keyword 1\n'));
    expect(unknownKeyword.ok).toBe(false);
    expect(unknownKeyword.output).not.toBe('');
    // Authentication under VRRPv3 is a config error with a non-zero exit status.
    const v3WithAuth = keepalivedCheck(text.replace('    nopreempt\n', '    version 3\n    nopreempt\n'));
    expect(v3WithAuth.ok).toBe(false);
    expect(v3WithAuth.status).not.toBe(0);
  });
});

describe('keepalived LVS golden files', () => {
  describe.each(LVS_GOLDEN_CASES.map((golden) => [golden.name, golden] as const))('%s', (name, golden) => {
    const fileName = `${name}.keepalived-lvs.conf`;

    it('renders exactly the golden file', () => {
      const rendered = renderKeepalivedLvsConfig(golden.lb, golden.listenerId, golden.options);
      expect(rendered).toBe(goldenText(fileName, rendered));
    });

    it('is accepted by keepalived -t with no diagnostics', () => {
      const text = goldenText(fileName, renderKeepalivedLvsConfig(golden.lb, golden.listenerId, golden.options));
      expect(keepalivedCheck(text)).toEqual({ ok: true, status: 0, output: '' });
    });

    it('keeps the agent contract: i-th enabled Member comment pairs with i-th real_server', () => {
      const text = renderKeepalivedLvsConfig(golden.lb, golden.listenerId, golden.options);
      const lines = text.split('\n').map((line) => line.trim());
      const members = lines.filter((line) => /^# Configuration for Member [0-9a-f-]{36}$/.test(line));
      const servers = lines.filter((line) => line.startsWith('real_server '));
      expect(members.length).toBe(servers.length);
      lines.forEach((line, index) => {
        if (line.startsWith('real_server ')) expect(lines[index - 1]).toMatch(/^# Configuration for Member /);
      });
      expect(text).toMatch(/^net_namespace amphora-haproxy$/m);
      expect(text.split('{').length).toBe(text.split('}').length);
    });
  });

  it('the keepalived -t check really fails on a broken LVS config', () => {
    const golden = LVS_GOLDEN_CASES[0];
    const text = renderKeepalivedLvsConfig(golden.lb, golden.listenerId, golden.options);
    const verdict = keepalivedCheck(`${text}\nvrrp_instance_typo x {\n}\n`);
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toMatch(/Unknown keyword/);
  });
});
