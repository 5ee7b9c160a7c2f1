/**
 * HAProxy and keepalived configuration renderers: pure functions from the Octavia API's
 * load-balancer model to the text the amphora agent installs.
 */
export * from './render-model';
export * from './render-options';
export { RenderValidationError, type RenderWarning } from './render-validation.error';
export { renderHaproxyConfig } from './haproxy-config.renderer';
export { renderKeepalivedVrrpConfig, renderKeepalivedLvsConfig } from './keepalived-config.renderer';
export { renderCrtList } from './haproxy/haproxy-tls.renderer';
export { localPeerName } from './haproxy/haproxy-context';
export {
  backendName,
  frontendName,
  peerName,
  peersSectionName,
  serverName,
  HAPROXY_PEER_PORT,
  PROMETHEUS_BACKEND_NAME,
  PROMETHEUS_FRONTEND_NAME,
} from './haproxy/haproxy-naming';
export { escapeHaproxyWord } from './config-escaping';
