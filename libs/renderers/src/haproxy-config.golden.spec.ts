import { haproxyCheck } from '../test-support/binary-checks';
import { goldenText } from '../test-support/golden-files';
import { HAPROXY_GOLDEN_CASES } from '../test-support/haproxy-golden-models';
import { createTlsKit, type TlsKit } from '../test-support/tls-kit';
import { renderHaproxyConfig } from './haproxy-config.renderer';
import { peerName } from './haproxy/haproxy-naming';
import type { RenderWarning } from './render-validation.error';

describe('haproxy.cfg golden files', () => {
  let tls: TlsKit;

  beforeAll(() => {
    tls = createTlsKit();
  });

  describe.each(HAPROXY_GOLDEN_CASES.map((golden) => [golden.name, golden] as const))('%s', (name, golden) => {
    const fileName = `${name}.haproxy.cfg`;

    it('renders exactly the golden file, without warnings', () => {
      const warnings: RenderWarning[] = [];
      const rendered = renderHaproxyConfig(golden.lb, { ...golden.options, onWarning: (warning) => warnings.push(warning) });
      expect(rendered).toBe(goldenText(fileName, rendered));
      expect(warnings).toEqual([]);
    });

    it('is accepted by haproxy -c without warnings', () => {
      const text = goldenText(fileName, renderHaproxyConfig(golden.lb, golden.options));
      const verdict = haproxyCheck(text, { localPeer: peerName(golden.options.amphoraId), tls });
      expect(verdict.output).not.toMatch(/\[(WARNING|ALERT)\]/);
      expect(verdict).toMatchObject({ ok: true, status: 0 });
    });
  });

  it('the haproxy -c check really fails on a broken config', () => {
    const golden = HAPROXY_GOLDEN_CASES[0];
    const text = renderHaproxyConfig(golden.lb, golden.options);
    const broken = text.replace('    balance roundrobin\n', '    balance roundrobin\n    bind :6666 bogus-option\n');
    const verdict = haproxyCheck(broken);
    expect(verdict.ok).toBe(false);
    expect(verdict.output).toMatch(/ALERT/);
  });
});
