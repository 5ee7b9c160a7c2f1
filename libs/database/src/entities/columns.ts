import { ValueTransformer } from 'typeorm';

/** bigint columns come back from pg as strings; counters fit comfortably in a JS number. */
export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};
