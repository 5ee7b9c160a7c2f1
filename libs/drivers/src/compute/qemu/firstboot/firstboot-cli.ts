// The first-boot step as its own command (images/debian/bundle-firstboot.js; the OpenWrt image runs it before
// the agent): node amphora-firstboot.js [--platform systemd|procd]
import { runFirstBoot } from './firstboot';

runFirstBoot(process.argv.slice(2));
