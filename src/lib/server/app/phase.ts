export type Phase = 'starting' | 'ready' | 'stopping' | 'stopped';

let phase: Phase = 'starting';

export const currentPhase = (): Phase => phase;
export const setPhase = (next: Phase): void => void (phase = next);
