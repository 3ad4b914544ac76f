import * as z from 'zod';

/** Known errors and knowledge articles matching an incident (GET /incidents/{id}/suggestions, POST /incidents). */
export const suggestionsSchema = z
  .object({
    knownErrors: z.array(z.object({ id: z.string(), title: z.string(), workaround: z.string(), fixStatus: z.string(), score: z.number() })),
    articles: z.array(z.object({ id: z.string(), title: z.string(), score: z.number() })),
  })
  .meta({ id: 'IncidentSuggestions' });
