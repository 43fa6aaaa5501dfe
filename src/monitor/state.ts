/** Moved to src/storage/state.ts (a container's records belong with its layout); this re-export stays until src/image/prune.ts imports the new path. */
export * from '../storage/state.ts';
