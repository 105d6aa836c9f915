/**
 * Printers for storage: PersistentVolumes, PersistentVolumeClaims and StorageClasses, with the
 * columns of Kubernetes 1.32 (VOLUMEATTRIBUTESCLASS included, VOLUMEMODE wide).
 */
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import { doc } from './descriptions.ts';
import { creationAge } from './duration.ts';
import { quantity } from './format.ts';
import { ageColumn, column, nameColumn, type Printer } from './printer.ts';

/** The beta annotation that, when present, names the class instead of spec.storageClassName. */
const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

const MODE_ABBREVIATIONS: Array<[string, string]> = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** `RWO,ROX,RWX,RWOP` in that fixed order, as helper.GetAccessModesAsString. */
export function accessModes(modes: string[] | undefined): string {
  const present = new Set(modes ?? []);
  return MODE_ABBREVIATIONS.filter(([mode]) => present.has(mode)).map(([, short]) => short).join(',');
}

function storageClassOf(object: KubeObject, specClass: string | undefined): string {
  const annotation = object.metadata.annotations?.[BETA_STORAGE_CLASS];
  return annotation !== undefined ? annotation : (specClass ?? '');
}

/** The PersistentVolume printer. */
export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Capacity', 'string', doc('V1PersistentVolumeSpec', 'capacity')),
    column('Access Modes', 'string', doc('V1PersistentVolumeSpec', 'accessModes')),
    column('Reclaim Policy', 'string', doc('V1PersistentVolumeSpec', 'persistentVolumeReclaimPolicy')),
    column('Status', 'string', doc('V1PersistentVolumeStatus', 'phase')),
    column('Claim', 'string', doc('V1PersistentVolumeSpec', 'claimRef')),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    column('Reason', 'string', doc('V1PersistentVolumeStatus', 'reason')),
    ageColumn(),
    column('VolumeMode', 'string', doc('V1PersistentVolumeSpec', 'volumeMode'), 1),
  ],
  print(object, ctx) {
    const pv = object as unknown as V1PersistentVolume;
    const spec = pv.spec ?? {};
    const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
    const phase = object.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
    return {
      cells: [
        object.metadata.name,
        quantity(spec.capacity?.storage),
        accessModes(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        storageClassOf(object, spec.storageClassName),
        spec.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        creationAge(ctx, object),
        spec.volumeMode ?? '<unset>',
      ],
    };
  },
};

/** The PersistentVolumeClaim printer; CAPACITY and ACCESS MODES come from status once bound. */
export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', doc('V1PersistentVolumeClaimStatus', 'phase')),
    column('Volume', 'string', doc('V1PersistentVolumeClaimSpec', 'volumeName')),
    column('Capacity', 'string', doc('V1PersistentVolumeClaimStatus', 'capacity')),
    column('Access Modes', 'string', doc('V1PersistentVolumeClaimStatus', 'accessModes')),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    column('VolumeMode', 'string', doc('V1PersistentVolumeClaimSpec', 'volumeMode'), 1),
  ],
  print(object, ctx) {
    const pvc = object as unknown as V1PersistentVolumeClaim;
    const spec = pvc.spec ?? {};
    const bound = Boolean(spec.volumeName);
    const phase = object.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
    return {
      cells: [
        object.metadata.name,
        phase,
        spec.volumeName ?? '',
        bound ? quantity(pvc.status?.capacity?.storage) : '',
        bound ? accessModes(pvc.status?.accessModes) : '',
        storageClassOf(object, spec.storageClassName),
        spec.volumeAttributesClassName ?? '<unset>',
        creationAge(ctx, object),
        spec.volumeMode ?? '<unset>',
      ],
    };
  },
};

/** The StorageClass printer: NAME (with "(default)") PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE. */
export const storageClassPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Provisioner', 'string', doc('V1StorageClass', 'provisioner')),
    column('ReclaimPolicy', 'string', doc('V1StorageClass', 'reclaimPolicy')),
    column('VolumeBindingMode', 'string', doc('V1StorageClass', 'volumeBindingMode')),
    column('AllowVolumeExpansion', 'string', doc('V1StorageClass', 'allowVolumeExpansion')),
    ageColumn(),
  ],
  print(object, ctx) {
    const sc = object as unknown as V1StorageClass;
    const annotations = object.metadata.annotations ?? {};
    const isDefault = annotations[DEFAULT_CLASS] === 'true' || annotations[BETA_DEFAULT_CLASS] === 'true';
    const name = isDefault ? `${object.metadata.name} (default)` : object.metadata.name;
    return { cells: [name, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, creationAge(ctx, object)] };
  },
};
