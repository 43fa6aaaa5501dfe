/** The help category of every `volume` verb. */
export const category = 'Volumes';
