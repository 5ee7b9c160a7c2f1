// Prints amphora-netns.service exactly as the agent's systemd platform writes it, so the image can
// create the data-plane namespace at boot (ports are plugged before the first HAProxy config arrives)
// and the agent later finds an identical file.  node -r ./scripts/swc-register.js images/debian/render-netns-unit.ts
import { RecordingRunner } from '../../libs/amphora-agent/src/platform/recording-runner';
import { SystemdProcessControl } from '../../libs/amphora-agent/src/platform/systemd-process.control';

export function renderImageNetnsUnit(): string {
  return new SystemdProcessControl(new RecordingRunner(), {
    unitDir: '/usr/lib/systemd/system',
    namespace: 'amphora-haproxy',
    ipCmd: 'ip',
    administrativeLogFacility: 1,
    haproxyCmd: '/usr/sbin/haproxy',
    keepalivedCmd: '/usr/sbin/keepalived',
  }).renderNetnsUnit();
}

if (require.main === module) process.stdout.write(renderImageNetnsUnit());
