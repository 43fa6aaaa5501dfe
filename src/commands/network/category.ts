/** The help category of every `network` verb. */
export const category = 'Networks';
