// The README's Python client example in TypeScript: the types come from docs/openapi.yaml through
// openapi-typescript (default options), the requests are plain `fetch` (Node.js 18+ or a browser).
//
//   npx openapi-typescript docs/openapi.yaml -o docs/examples/openapi.d.ts
//   npx tsc --noEmit --strict --target es2022 --module es2022 --moduleResolution bundler \
//       --lib es2022,dom docs/examples/client.ts
//
// tests/test_schema_tools.py compiles it so (the versions: .ci/node/package.json).
import type { components, operations } from "./openapi";

type Schemas = components["schemas"];
type Answer<T> = { ok: true; data: T } | { ok: false; error: Schemas["ApiError"] };
type Query = Record<string, string | number | boolean | undefined>;

const BASE_URL = "http://127.0.0.1:8000";

async function send<T>(method: "GET" | "POST" | "PUT", path: string,
                       options: { token?: string; query?: Query; body?: object } = {}): Promise<Answer<T>> {
    const url = new URL(path, BASE_URL);
    for (const [name, value] of Object.entries(options.query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { "Accept-Language": "en" };
    if (options.token) headers["Authorization"] = `Token ${options.token}`;
    if (options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method, headers, body: options.body && JSON.stringify(options.body) });
    const data: unknown = await response.json();
    return response.ok ? { ok: true, data: data as T } : { ok: false, error: data as Schemas["ApiError"] };
}

async function main(): Promise<void> {
    const signIn: Schemas["SignInRequest"] = { username: "admin", password: "…" };
    const token = await send<Schemas["Token"]>("POST", "/api/v1/auth/token/", { body: signIn });
    if (!token.ok) throw new Error(token.error.detail);
    const client = { token: token.data.token };

    const period: operations["units_progress_retrieve"]["parameters"]["query"] = { period: "2008" };
    const figures = await send<Schemas["UnitFigures"]>("GET", "/api/v1/units/11/progress/", { ...client, query: period });
    if (figures.ok) {
        for (const figure of figures.data.reported) {  // beside the computed figures: blank_villages 134, villages_total 1459
            console.log(figure.metric, figure.value, figure.source_location);
        }
    }

    const body: Schemas["SubmissionRequest"] = {
        reports: [  // village 6 is Huổi Chổn, in commune 03317
            { village: 6, full_members: 3, probationary_members: 1, admissions: 1, cell: 1 },
        ],
    };
    const dryRun: operations["units_reports_submit"]["parameters"]["query"] = { dry_run: true };
    const result = await send<Schemas["SubmissionResult"]>("PUT", "/api/v1/units/03317/reports/2019Q2/",
                                                           { ...client, query: dryRun, body });
    if (!result.ok) {
        for (const error of result.error.errors) {
            console.log(error.path, error.message);
        }
    } else {  // nothing saved yet: send it again without dry_run to save
        console.log(result.data.created.count, result.data.updated.count, result.data.unchanged.count);
    }
}

main();
