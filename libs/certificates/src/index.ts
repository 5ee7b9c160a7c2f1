export * from './certificate.types';
export * from './certificate-expiry';
export * from './local-certificate-authority';
