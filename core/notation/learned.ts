/** The notation stage's learned models together, and what they tell `buildScore`. */
import type { Note } from '../types';
import type { HandsModel } from './hands-model';
import type { MetreEstimate, NotationModel } from './metre-model';

/** The learned models of the notation stage; each one absent leaves its part to the rules. */
export interface NotationModels {
  /** Beats and metre (models/notescribe-notation-v1). */
  readonly metre?: NotationModel;
  /** Staff of each note (models/notescribe-notation-hands-v1). */
  readonly hands?: HandsModel;
}

/** The `buildScore` options the models give for these notes (`metre`, `leftHand`); empty without models. */
export async function learnedNotation(
  notes: readonly Note[],
  models: NotationModels,
): Promise<{ metre?: MetreEstimate; leftHand?: Float32Array }> {
  const metre = models.metre === undefined ? undefined : await models.metre.estimateMetre(notes);
  const leftHand = models.hands === undefined ? undefined : await models.hands.leftHand(notes);
  return { ...(metre === undefined ? {} : { metre }), ...(leftHand === undefined ? {} : { leftHand }) };
}
