import type { SFTPWrapper, Stats } from "ssh2";

/** SFTP status code for "no such file" (draft-ietf-secsh-filexfer SSH_FX_NO_SUCH_FILE). */
export const SFTP_NO_SUCH_FILE = 2;

/** Promise wrappers over the callback SFTP API (only the calls remote-ssh uses). */
export const sftpOps = {
  realpath: (s: SFTPWrapper, p: string) =>
    new Promise<string>((resolve, reject) => s.realpath(p, (e, r) => (e ? reject(e) : resolve(r)))),
  stat: (s: SFTPWrapper, p: string) =>
    new Promise<Stats>((resolve, reject) => s.stat(p, (e, r) => (e ? reject(e) : resolve(r)))),
  fstat: (s: SFTPWrapper, h: Buffer) =>
    new Promise<Stats>((resolve, reject) => s.fstat(h, (e, r) => (e ? reject(e) : resolve(r)))),
  open: (s: SFTPWrapper, p: string, flags: "r") =>
    new Promise<Buffer>((resolve, reject) => s.open(p, flags, (e, h) => (e ? reject(e) : resolve(h)))),
  /** Resolves with the bytes read into `buf` at `offset` (0 at end of file). */
  read: (s: SFTPWrapper, h: Buffer, buf: Buffer, offset: number, length: number, position: number) =>
    new Promise<number>((resolve, reject) =>
      s.read(h, buf, offset, length, position, (e, n) => (e ? reject(e) : resolve(n))),
    ),
  lstat: (s: SFTPWrapper, p: string) =>
    new Promise<Stats>((resolve, reject) => s.lstat(p, (e, r) => (e ? reject(e) : resolve(r)))),
  mkdir: (s: SFTPWrapper, p: string, mode: number) =>
    new Promise<void>((resolve, reject) => s.mkdir(p, { mode }, (e) => (e ? reject(e) : resolve()))),
  readdir: (s: SFTPWrapper, p: string) =>
    new Promise<Array<{ filename: string; attrs: Stats }>>((resolve, reject) =>
      s.readdir(p, (e, r) => (e ? reject(e) : resolve(r))),
    ),
  unlink: (s: SFTPWrapper, p: string) =>
    new Promise<void>((resolve, reject) => s.unlink(p, (e) => (e ? reject(e) : resolve()))),
  rmdir: (s: SFTPWrapper, p: string) =>
    new Promise<void>((resolve, reject) => s.rmdir(p, (e) => (e ? reject(e) : resolve()))),
  fastPut: (s: SFTPWrapper, local: string, remote: string, mode: number) =>
    new Promise<void>((resolve, reject) =>
      s.fastPut(local, remote, { mode }, (e) => (e ? reject(e) : resolve())),
    ),
};

/** True for an SFTP "no such file" error. */
export function isNoSuchFile(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === SFTP_NO_SUCH_FILE;
}
