export default {
  resourcePicker: {
    filterModels: 'Filter models',
    noMatch: 'No model matches that filter.',
    noResources: 'No resources yet.',
    tpmLimit: '{n} TPM',
    payAsYouGo: 'Pay as you go',
    status: {
      active: 'active',
      inactive: 'inactive'
    },
    selectResources: 'Select Resources',
    searchResources: 'Search resources',
    resources: 'Resources',
    adminPlaceholder: 'Administrator keys take no resources',
    placeholder: 'Optional: choose resources (assign later if you like)',
    emptyPlaceholder: 'No resources yet: add them on the Resources screen',
    adminReason: 'Administrator keys take no resources.',
    typeReason: '{model} is already chosen under {type}; a key may use a model under one resource type only.'
  }
}
