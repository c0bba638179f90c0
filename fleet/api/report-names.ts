import Type from 'typebox';
import type { ApiContext } from './context.ts';

/** Names beside the ids a report mentions, so that people read "Club Lyon · Accueil", not "club-lyon · lyon-01". */
export const ReportNames = Type.Object(
  {
    clubs: Type.Record(Type.String(), Type.String()),
    boxes: Type.Record(Type.String(), Type.String()),
    members: Type.Record(Type.String(), Type.String()),
  },
  { description: 'names of the clubs, boxes and members the report mentions (ids without a name are left out)' },
);

/** Members named at most per report: past that, the rows show ids (a report with more is read as an export). */
const MAX_MEMBER_NAMES = 500;

export async function reportNames(ctx: ApiContext, ids: { clubs: Iterable<string | null>; boxes: Iterable<string>; members: Iterable<string | null> }): Promise<Type.Static<typeof ReportNames>> {
  const clubs: Record<string, string> = {};
  const wantedClubs = new Set([...ids.clubs].filter((c): c is string => c !== null));
  for (const c of await ctx.boxes.listClubs()) if (wantedClubs.has(c.id) && c.name) clubs[c.id] = c.name;
  const boxes: Record<string, string> = {};
  for (const id of new Set(ids.boxes)) {
    const b = await ctx.boxes.get(id);
    if (b?.name) boxes[id] = b.name;
  }
  const members: Record<string, string> = {};
  for (const id of [...new Set([...ids.members].filter((m): m is string => m !== null))].slice(0, MAX_MEMBER_NAMES)) {
    const hit = (await ctx.store.support.findMembers(id, 20)).find((m) => m.memberId === id && m.name);
    if (hit) members[id] = hit.name;
  }
  return { clubs, boxes, members };
}
