/** Moved to src/network/membership.ts; this re-export stays until src/image/prune.ts imports the new path. */
export * from '../network/membership.ts';
