// node_healthz.js - the cold-start baseline: the smallest Node.js http
// server that answers what `syncfn serve` answers on /healthz.
'use strict';
const http = require('http');

http.createServer((req, res) => {
	const ok = req.method === 'GET' && req.url === '/healthz';
	const body = ok ? '{"status":"ok"}' : '{"error":"not found"}';
	res.writeHead(ok ? 200 : 404, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(body),
	});
	res.end(body);
}).listen(Number(process.env.PORT) || 8080, '0.0.0.0');
