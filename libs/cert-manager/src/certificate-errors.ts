/** Messages of upstream's certificate exceptions (octavia/common/exceptions.py), answered as 400s by the API. */
export const CERT_MESSAGES = {
  unreadableCert: 'Could not read X509 from PEM',
  misMatchedKey: 'Key and x509 certificate do not match',
  missingSubject: 'No CN or DNSName(s) found in certificate. The certificate is invalid.',
  unreadablePkcs12: (error: string) =>
    `The PKCS12 bundle is unreadable. Please check the PKCS12 bundle validity. In addition, make sure it does not require a pass phrase. Error: ${error}`,
  retrieval: (ref: string) => `Could not retrieve certificate: ${ref}`,
} as const;

/** Python's repr of a list of strings, as upstream renders `Could not retrieve certificate: ['a', 'b']`. */
export function pyStringList(values: string[]): string {
  return `[${values.map((v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}
