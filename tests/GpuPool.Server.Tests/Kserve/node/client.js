// A KServe v2 / Triton gRPC client written against the protocol's .proto with @grpc/grpc-js, as a Node
// service would call Triton. Usage: node client.js <proto> <host:port> <api key> <model> <x as JSON [rows][cols]>
// Prints one JSON object: server and model metadata, the inference answered raw and typed, and an error code.
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [protoPath, address, apiKey, model, xJson] = process.argv.slice(2);
const definition = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const inference = grpc.loadPackageDefinition(definition).inference;
const client = new inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
metadata.add('x-api-key', apiKey);

const call = (method, request) => new Promise((resolve, reject) =>
  client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))));

async function main() {
  const x = JSON.parse(xJson);
  const shape = [x.length, x[0].length];
  const flat = x.flat();

  const server = await call('ServerMetadata', {});
  const meta = await call('ModelMetadata', { name: model });

  const raw = Buffer.alloc(flat.length * 4);
  flat.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  const rawAnswer = await call('ModelInfer', {
    model_name: model, id: 'node-raw',
    inputs: [{ name: 'x', datatype: 'FP32', shape }],
    raw_input_contents: [raw],
  });
  const out = rawAnswer.raw_output_contents[0];
  const rawY = [];
  for (let i = 0; i < out.length; i += 4) rawY.push(out.readFloatLE(i));

  const typedAnswer = await call('ModelInfer', {
    model_name: model, id: 'node-typed',
    inputs: [{ name: 'x', datatype: 'FP32', shape, contents: { fp32_contents: flat } }],
  });

  let missingCode = null;
  try {
    await call('ModelInfer', { model_name: 'no-such-model', inputs: [{ name: 'x', datatype: 'FP32', shape, contents: { fp32_contents: flat } }] });
  } catch (error) {
    missingCode = error.code;
  }

  console.log(JSON.stringify({
    server: { name: server.name, extensions: server.extensions },
    model: { name: meta.name, versions: meta.versions, platform: meta.platform, inputs: meta.inputs, outputs: meta.outputs },
    raw: { id: rawAnswer.id, version: rawAnswer.model_version, shape: rawAnswer.outputs[0].shape.map(Number), y: rawY },
    typed: { id: typedAnswer.id, datatype: typedAnswer.outputs[0].datatype, y: typedAnswer.outputs[0].contents.fp32_contents },
    missingCode,
  }));
  client.close();
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
