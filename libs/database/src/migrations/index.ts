import { InitialSchema1763700000000 } from './1763700000000-initial-schema';
import { LocalCertificates1763850000001 } from './1763850000001-local-certificates';

export const ALL_MIGRATIONS: Function[] = [InitialSchema1763700000000, LocalCertificates1763850000001];
