// Pushes items to one Sluice node with Coveo's Node client, unchanged:
//   node client_push.mjs NODE_URL API_KEY COUNT WORD
// The client aims at https://api.cloud.coveo.com; its requests there are rerouted to the node.
// Every other request (the file container uploads, pre-signed for the S3 bucket) goes out as is.
import {createRequire} from 'node:module';

const [nodeUrl, apiKey, count, word] = process.argv.slice(2);
const coveoFetch = globalThis.fetch;
globalThis.fetch = (url, init) =>
  coveoFetch(String(url).replace(/^https:\/\/[a-z0-9.-]+\.cloud\.coveo\.com(?=\/|$)/i, nodeUrl), init);

const require = createRequire(import.meta.url);
const {PushSource, DocumentBuilder} = require('@coveo/push-api-client');

const source = new PushSource(apiKey, 'local');
const docs = [];
for (let i = 0; i < Number(count); i++) {
  docs.push(new DocumentBuilder(`https://client.example.com/${word}/${i}`, `Client item ${i}`)
      .withData(`${word} item number ${i} pushed by the official client`));
}
// batchUpdateDocuments: file containers (uploaded straight to the bucket), then .../documents/batch.
await source.batchUpdateDocuments('local-default', {addOrUpdate: docs, delete: []},
    {createFields: false});
console.log(`pushed ${docs.length}`);
