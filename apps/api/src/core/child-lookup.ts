import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { ApiFault } from '../common/api-fault';
import { UUID_RE } from '../validation/fields';

// Path ids are plain strings upstream (spec 1.1); PostgreSQL rejects non-UUID text for a uuid column,
// so anything that cannot be a UUID is simply not found.

/** Loads a load-balancer-tree row by id, or answers `<Resource> <id> not found.` (404). */
export async function findOr404<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, resource: string, id: string): Promise<E> {
  const row = UUID_RE.test(id) ? await em.findOneBy(entity, { id } as never) : null;
  if (!row) throw ApiFault.notFound(resource, id);
  return row;
}
