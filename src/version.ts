/** tspod's version, shown by --version, version and info. */
export const VERSION = '0.1.0';
