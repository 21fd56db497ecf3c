import { libraryConfig } from '../../tsup.base.js'

export default libraryConfig({ entry: ['src/index.ts', 'src/main.ts'], dts: { entry: 'src/index.ts' } })
