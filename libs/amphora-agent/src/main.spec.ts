import { parseArgs } from './main';

describe('amphora-agent command line', () => {
  it('accepts upstream\'s --config-file and our --platform, in both spellings', () => {
    expect(parseArgs(['--config-file', '/etc/octavia/amphora-agent.conf'])).toEqual({
      configFile: '/etc/octavia/amphora-agent.conf',
      platform: undefined,
    });
    expect(parseArgs(['--config-file=/a.conf', '--platform=netns'])).toEqual({ configFile: '/a.conf', platform: 'netns' });
  });

  it('explains what is wrong', () => {
    expect(parseArgs([])).toBe('missing --config-file');
    expect(parseArgs(['--config-file', 'x', '--platform', 'launchd'])).toBe('unknown platform: launchd');
    expect(parseArgs(['--bogus'])).toBe('unknown argument: --bogus');
  });
});
