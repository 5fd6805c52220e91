// Linux errno values: the control channel reports them as netlink errors,
// so the core uses the same numbers everywhere.
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EACCES = 13;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const EPIPE = 32;
export const ERANGE = 34;
export const EDESTADDRREQ = 89;
export const EMSGSIZE = 90;
export const EOPNOTSUPP = 95;
export const EADDRINUSE = 98;
export const EADDRNOTAVAIL = 99;
export const ENETDOWN = 100;
export const ENETUNREACH = 101;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const EISCONN = 106;
export const ENOTCONN = 107;
export const ETIMEDOUT = 110;
export const ECONNREFUSED = 111;
export const EHOSTUNREACH = 113;
/** Address family not supported (an IPv6 address on a build without IPv6). */
export const EAFNOSUPPORT = 97;
