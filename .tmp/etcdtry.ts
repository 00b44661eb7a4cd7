import { Etcd3 } from 'etcd3';
const c = new Etcd3({ hosts: process.argv[2] });
await c.put('a').value('1');
console.log(await c.get('a').string());
const r = await c.if('a', 'Value', '==', '1').then(c.put('b').value('2')).commit();
console.log(r.succeeded, r.header.revision);
c.close();
