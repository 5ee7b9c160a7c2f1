import { AgentContext } from '../agent-context';
import { commandOutput } from '../platform/platform';

/**
 * `keepalived -t` exit codes: 0 clean, 6 only script-security findings (scripts run as root
 * without `enable_script_security`, which upstream's rendered configs always trigger and
 * keepalived tolerates at run time), anything else a real configuration error.
 */
const CONFIG_TEST_SECURITY_ONLY = 6;

export async function keepalivedConfigTest(ctx: AgentContext, file: string): Promise<{ ok: boolean; output: string }> {
  const keepalived = ctx.config().amphoraAgent.keepalivedCmd;
  // Run where the data-plane links live: the test also checks that interfaces exist.
  const result = await ctx.platform.runner.run(ctx.platform.dataPlaneExec([keepalived, '-t', '-f', file]));
  const output = commandOutput(result);
  if (result.code === CONFIG_TEST_SECURITY_ONLY) {
    ctx.logger.warn('keepalived config accepted with script-security warnings', { file, output });
  }
  return { ok: result.code === 0 || result.code === CONFIG_TEST_SECURITY_ONLY, output };
}
