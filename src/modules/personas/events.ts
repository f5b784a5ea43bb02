/** Persona change events: published by the personas service after commit. */
export type PersonaEventKind = 'created' | 'updated' | 'deleted';

export interface PersonaEvent {
  kind: PersonaEventKind;
  personaId: string;
  projectId: string | null;
}
