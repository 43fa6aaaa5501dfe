/** Resolving `-u` (name, uid, uid:gid, name:group) through the image's passwd and group files. */
import { TspodError } from '../errors.ts';

export interface ResolvedUser { uid: number; gid: number; groups: number[]; home: string }

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 6 && f[0] && !f[0].startsWith('#'))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }))
    .filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && f[0] && !f[0].startsWith('#'))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }))
    .filter((e) => Number.isInteger(e.gid));
}

const isNum = (s: string) => /^\d+$/.test(s);

/**
 * docker's rules: a numeric uid need not exist in passwd (gid then 0, home /);
 * a name must; supplementary groups come from group membership of the name.
 */
export function resolveUser(spec: string, passwdText: string, groupText: string): ResolvedUser {
  const [userPart, groupPart] = (spec || '0').split(':', 2);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const entry = isNum(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
  if (!entry && !isNum(userPart)) {
    throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `unable to find user ${userPart}: no matching entries in passwd file`);
  }
  const uid = isNum(userPart) ? Number(userPart) : entry!.uid;
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (isNum(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const name = entry?.name;
  const supplementary = groupPart === undefined && name ? groups.filter((g) => g.members.includes(name)).map((g) => g.gid) : [];
  return { uid, gid, groups: [...new Set([gid, ...supplementary])], home: entry?.home || '/' };
}
