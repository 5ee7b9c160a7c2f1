import { runFirstBoot } from './firstboot';

// `--firstboot`: the first-boot step runs here, before the agent's entry module is evaluated, and the flag is
// removed so that the agent sees only its own arguments. Without the flag (`haproxy-vrrp-check`, a restart by
// hand) nothing happens here.
const at = process.argv.indexOf('--firstboot', 2);
if (at >= 0) {
  process.argv.splice(at, 1);
  runFirstBoot(process.argv.slice(2));
}
