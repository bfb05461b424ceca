import * as z from 'zod';
import { pageQuery } from '../../../schemas/common';

export const idParams = z.object({ id: z.coerce.number().int().positive().meta({ description: 'The numeric id.' }) });
export const pageParams = pageQuery;
