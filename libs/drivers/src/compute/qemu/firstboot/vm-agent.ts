/**
 * Entry of the Debian image's agent bundle (/opt/octavia-ts/amphora-agent.js, scripts/bundle-agent.js --vm).
 * `amphora-agent.js --firstboot --config-file … --platform systemd` reads the config drive and configures the
 * management link in the agent's own process before the agent starts: one Node start per boot instead of two
 * (each costs 1.5-2 s on an emulated CPU). Imports are evaluated in order: the preamble, then the agent's entry,
 * which starts the agent (or runs `haproxy-vrrp-check`) as in the plain bundle.
 */
import './firstboot-preamble';
import '../../../../../amphora-agent/src/main';
