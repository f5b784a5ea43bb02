/** graphql-ws helpers for tests. */
import type { Client } from 'graphql-ws';

/** Runs one operation over graphql-ws and resolves with its (last) result; protocol errors resolve as `{errors}`. */
export function runOverWs(client: Client, query: string): Promise<{ data?: any; errors?: any[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: any; errors?: any[] } = {};
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as typeof result),
        error: (err) => (Array.isArray(err) ? resolve({ errors: err }) : reject(err)),
        complete: () => resolve(result),
      },
    );
  });
}
